# Containers: the whole system under docker compose (see docker-compose.yml, Dockerfile).
# Included from the Makefile; does not change its default goal.
_docker_mk_default_goal := $(.DEFAULT_GOAL)

# `docker compose` (v2 plugin) if present, else the standalone `docker-compose` (v1, Debian's; `make deps`).
COMPOSE ?= $(shell if docker compose version >/dev/null 2>&1; then echo 'docker compose'; \
	elif command -v docker-compose >/dev/null 2>&1; then echo docker-compose; \
	else echo 'docker compose'; fi)
COMPOSE_FILE_PATH ?= docker-compose.yml
DOCKER_COMPOSE = $(COMPOSE) -f $(COMPOSE_FILE_PATH)

.PHONY: docker-config docker-up docker-down docker-logs docker-demo

## docker-config: validate docker-compose.yml (needs no Docker engine; needs the .env secrets, see .env.example)
docker-config:
	$(DOCKER_COMPOSE) config -q

## docker-up: build the image, start everything, wait for healthchecks, seed demo products, print URLs
docker-up:
	COMPOSE='$(DOCKER_COMPOSE)' bash scripts/docker-up.sh

## docker-down: stop and remove the containers and their volumes (all data)
docker-down:
	$(DOCKER_COMPOSE) down -v --remove-orphans

## docker-logs: follow the logs of every container (SERVICES="order payment" to narrow)
docker-logs:
	$(DOCKER_COMPOSE) logs -f --tail=200 $(SERVICES)

## docker-demo: place the sample order and poll it until it reaches a terminal status (its token signed
## by the compose stack's key when that stack exists, else by `make up`'s)
AUTH_KEYS_DIR := /var/lib/order-saga/auth
docker-demo:
	@if [ -n "$$($(DOCKER_COMPOSE) ps -q auth-keys 2>/dev/null)" ]; then \
		MINT='$(DOCKER_COMPOSE) run --rm -T auth-keys python -m stack.mint --dir $(AUTH_KEYS_DIR)' \
		bash scripts/demo-order.sh; \
	else bash scripts/demo-order.sh; fi

.DEFAULT_GOAL := $(_docker_mk_default_goal)
