# Inventory: availability read benchmark (cache vs PostgreSQL, Redis hung). Included from the Makefile.
_inventory_mk_default_goal := $(.DEFAULT_GOAL)
INVENTORY_BENCH_ROUNDS ?= 10
INVENTORY_BENCH_CONCURRENCY ?= 32

.PHONY: bench-inventory test-inventory

## bench-inventory: reads/s from the Redis cache and from PostgreSQL, and a read's cost while Redis hangs
bench-inventory: venv
	$(VENV)/bin/python -m bench.inventory_reads --rounds $(INVENTORY_BENCH_ROUNDS) \
		--concurrency $(INVENTORY_BENCH_CONCURRENCY)

## test-inventory: the inventory service's integration and end-to-end tests
test-inventory: venv
	$(VENV)/bin/pytest tests/integration/inventory tests/e2e/test_inventory_api.py tests/e2e/test_expiry.py

.DEFAULT_GOAL := $(_inventory_mk_default_goal)
