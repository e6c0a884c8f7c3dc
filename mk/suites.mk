# Test suites by layer (make unit is in the Makefile): integration needs PostgreSQL, RabbitMQ and
# Redis; e2e also starts the four services as processes, on their own databases and vhost.
.PHONY: integration e2e

## integration: real broker and databases, each test in its own vhost and database
integration: venv infra
	$(VENV)/bin/pytest tests/integration

## e2e: the four services as real processes, driven through HTTP
e2e: venv infra
	$(VENV)/bin/pytest tests/e2e
