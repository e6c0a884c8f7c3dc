#!/usr/bin/env bash
# Start the compose stack, wait until every container is healthy, seed the demo products, print the URLs.
#   COMPOSE   compose command (default: `docker compose`, else `docker-compose`)
#   WAIT_TIMEOUT seconds to wait for healthchecks (default 300)
#   INVENTORY_URL (default http://localhost:3002)
set -euo pipefail
cd "$(dirname "$0")/.."

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

# Demo products 00000000-0000-0000-0000-00000000000{1..5}, 100 units each, created only if missing.
for n in 1 2 3 4 5; do
    id="00000000-0000-0000-0000-00000000000$n"
    code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 5 "$INVENTORY_URL/inventory/$id" || true)
    case "$code" in
        404)
            code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 5 -X PUT "$INVENTORY_URL/inventory/$id" \
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
  RabbitMQ UI    http://localhost:15672  (guest / guest)

  make docker-demo    place a sample order and follow it
  make docker-logs    follow the logs
  make docker-down    stop everything and delete the data
MSG
