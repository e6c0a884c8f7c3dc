#!/usr/bin/env bash
# Start the compose stack, wait until every container is healthy, seed the demo products, print the URLs.
#   COMPOSE   compose command (default: `docker compose`, else `docker-compose`)
#   WAIT_TIMEOUT seconds to wait for healthchecks (default 300)
#   INVENTORY_URL (default http://localhost:3002)
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
INVENTORY_URL=${INVENTORY_URL:-http://localhost:3002}

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
operator=$(mint --scopes "inventory:read inventory:write")

# Demo products 00000000-0000-0000-0000-00000000000{1..5}, 100 units each, created only if missing.
for n in 1 2 3 4 5; do
    id="00000000-0000-0000-0000-00000000000$n"
    code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 5 "$INVENTORY_URL/inventory/$id" || true)
    case "$code" in
        404)
            code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 5 -X PUT "$INVENTORY_URL/inventory/$id" \
                -H "Authorization: Bearer $operator" \
                -H 'Content-Type: application/json' -d "{\"name\":\"Demo product $n\",\"quantity\":100}" || true)
            case "$code" in 2??) echo "seeded demo product $id (100 units)" ;;
                *) echo "warning: seeding $id returned HTTP $code" >&2 ;; esac ;;
        200) ;;
        *) echo "warning: GET $INVENTORY_URL/inventory/$id returned HTTP ${code:-nothing}" >&2 ;;
    esac
done

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
