#!/usr/bin/env bash
# Start the compose stack, wait until every container is healthy, seed the demo products, print the URLs.
#   COMPOSE   compose command (default: `docker compose`, else `docker-compose`)
#   WAIT_TIMEOUT seconds to wait for healthchecks (default 300)
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

wait_healthy() {
    # For compose v1, which has no `up --wait`: poll each container's health status.
    local deadline=$((SECONDS + WAIT_TIMEOUT)) ids status pending
    echo "waiting for healthchecks (up to ${WAIT_TIMEOUT}s) ..."
    while :; do
        mapfile -t ids < <("${compose[@]}" ps -q)
        pending=()
        for id in "${ids[@]}"; do
            status=$(docker inspect -f \
                '{{.Name}} {{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$id")
            case "${status##* }" in healthy | running) ;; *) pending+=("$status") ;; esac
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

# Demo products 00000000-0000-0000-0000-00000000000{1..5}, 100 units each, created only if missing, and
# their prices, set only where missing: inventory/seed.py, the same seed `make up` runs, in the running
# inventory container (its database and settings). Products it creates are read from PostgreSQL until
# they are cached (a read fills the cache).
"${compose[@]}" exec -T inventory python -m inventory.seed \
    || echo "warning: seeding the demo products failed" >&2

cat <<MSG

  order API      http://localhost:3001   (OpenAPI: http://localhost:3001/openapi.json)
  inventory API  http://localhost:3002
  RabbitMQ UI    http://localhost:15672  (guest / guest)

  make docker-demo    place a sample order and follow it
  make docker-logs    follow the logs
  make docker-down    stop everything and delete the data
MSG
