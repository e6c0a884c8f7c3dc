# Reliability: the fault suite and the dead-letter tool. Included from the Makefile; does not change
# its default goal.
_reliability_mk_default_goal := $(.DEFAULT_GOAL)

.PHONY: test-fault dlq

## test-fault: crashes at every fault point, broker/database/Redis outages, duplicates, poison and
## malformed messages, bad HTTP input, deadlines; prints each test's figures (FAULT_SEED to vary the seed)
test-fault: venv infra
	$(VENV)/bin/pytest tests/fault tests/integration/test_dlq_tool.py

## dlq: the dead-letter tool as the operator `make up` created (var/local.env), else against RABBITMQ_URL, e.g.
##   make dlq ARGS=list    make dlq ARGS="show payment.order-created <message_id>"
##   make dlq ARGS="replay payment.order-created --all"    make dlq ARGS="purge payment.order-created"
dlq: venv
	@if [ -f var/local.env ]; then set -a; . var/local.env; set +a; export RABBITMQ_URL="$$OPERATOR_RABBITMQ_URL"; fi; \
	$(VENV)/bin/python -m messaging.dlq $(ARGS)

.DEFAULT_GOAL := $(_reliability_mk_default_goal)
