#!/usr/bin/env bash
# Start the compose stack, wait until every container is healthy, seed the demo products, print the URLs.
#   COMPOSE   compose command (default: `docker compose`, else `docker-compose`)
#   WAIT_TIMEOUT seconds to wait for healthchecks (default 300)
# The secrets docker-compose.yml requires: each variable .env.example lists that neither `.env` nor the
# environment sets yet is written into `.env` (mode 600, ignored by git) with a fresh random value, so
# the first run makes them all and a later one only those added since; values already there are kept.
set -euo pipefail
cd "$(dirname "$0")/.."

(umask 077 && touch .env)
added=()
while IFS= read -r line; do
    if [[ "$line" =~ ^([A-Z0-9_]+)=$ ]]; then
        name=${BASH_REMATCH[1]}
        if [[ -z "${!name:-}" ]] && ! grep -q "^$name=." .env; then
            echo "$name=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" >>.env
            added+=("$name")
        fi
    fi
done <.env.example
if ((${#added[@]} > 0)); then
    echo "wrote fresh random secrets into .env: ${added[*]} (keep it: the database volumes expect them)"
fi

if [[ -z "${COMPOSE:-}" ]]; then
    if docker compose version >/dev/null 2>&1; then COMPOSE="docker compose"
    elif command -v docker-compose >/dev/null 2>&1; then COMPOSE="docker-compose"
    else echo "no docker compose found: run 'make deps'" >&2; exit 1
    fi
fi
read -r -a compose <<<"$COMPOSE"
WAIT_TIMEOUT=${WAIT_TIMEOUT:-300}

wait_healthy() {
    # For compose v1, which has no `up --wait`: poll each container's health status.
    local deadline=$((SECONDS + WAIT_TIMEOUT)) ids status pending
    echo "waiting for healthchecks (up to ${WAIT_TIMEOUT}s) ..."
    while :; do
        mapfile -t ids < <("${compose[@]}" ps -q)
        pending=()
        for id in "${ids[@]}"; do
            status=$(docker inspect -f \
                '{{.Name}} {{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{.State.ExitCode}}{{end}}' "$id")
            # a one-shot container (rabbitmq-definitions) is done once it exited with 0
            case "${status##* }" in healthy | running0 | exited0) ;; *) pending+=("$status") ;; esac
        done
        if ((${#ids[@]} > 0 && ${#pending[@]} == 0)); then return 0; fi
        if ((SECONDS >= deadline)); then
            echo "not healthy after ${WAIT_TIMEOUT}s: ${pending[*]}" >&2
            "${compose[@]}" ps >&2
            "${compose[@]}" logs --tail=50 >&2 || true
            return 1
        fi
        sleep 2
    done
}

if "${compose[@]}" up --help 2>/dev/null | grep -q -- '--wait'; then
    "${compose[@]}" up -d --build --wait
else
    "${compose[@]}" up -d --build
    wait_healthy
fi

# tokens signed by the stack's development key (the auth-keys volume)
mint() { "${compose[@]}" run --rm -T auth-keys python -m stack.mint --dir /var/lib/order-saga/auth "$@" | tail -1; }

# Demo products 00000000-0000-0000-0000-00000000000{1..5}, 100 units each, created only if missing, and
# their prices, set only where missing: inventory/seed.py, the same seed `make up` runs, in the running
# inventory container (its database and settings). Products it creates are read from PostgreSQL until
# they are cached (a read fills the cache).
"${compose[@]}" exec -T inventory python -m inventory.seed \
    || echo "warning: seeding the demo products failed" >&2

cat <<MSG

  order API      http://localhost:3001   (OpenAPI: http://localhost:3001/openapi.json)
  inventory API  http://localhost:3002
  RabbitMQ UI    http://localhost:15672  (saga / RABBITMQ_PASSWORD in .env)

  A token for the demo customer (orders:write orders:read, 12 h):
    export TOKEN=$(mint)
  another: docker-compose run --rm auth-keys python -m stack.mint --dir /var/lib/order-saga/auth --sub <uuid>

  make docker-demo    place a sample order and follow it
  make docker-logs    follow the logs
  make docker-down    stop everything and delete the data
MSG
