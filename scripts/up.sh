#!/usr/bin/env bash
# Start the four services in the background (honcho, one process each), wait until each is ready,
# seed the demo products and print where to look. Logs: var/services.log. Stop with `make down`.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var
source scripts/ports.sh
if [ -f var/services.pid ] && kill -0 "$(cat var/services.pid)" 2>/dev/null; then
  echo "services already running (pid $(cat var/services.pid)); 'make down' first to restart"
else
  taken=$(listener_pids | paste -sd, -)
  if [ -n "$taken" ]; then
    echo "ports ${PORTS[*]} ${METRICS_PORTS[*]} are taken by:"; ps -o pid=,args= -p "$taken"
    echo "stop those processes ('make down' stops leftovers of an earlier 'make up') and try again"
    exit 1
  fi
  # var/local.env: the services' settings and secrets, which honcho loads (mode 600, rebuilt every time
  # from var/secrets/ and var/auth/, where each secret is generated once)
  install -m 600 /dev/null var/local.env
  echo "# written by scripts/up.sh on every make up, loaded by honcho (-e)" >>var/local.env
  # each service's PostgreSQL role and database, made as the superuser: <SERVICE>_DATABASE_URL
  .venv/bin/python -m runtime.provision >>var/local.env
  # broker users, topology (the definitions document, imported as the operator), each service's RABBITMQ_URL
  bash scripts/broker.sh >>var/local.env
  # bearer tokens: a development signing key, made once under var/auth (never committed); the services
  # verify tokens with its JWKS
  .venv/bin/python -m stack.mint --env >>var/local.env
  DATABASE_URL=$(sed -n 's/^INVENTORY_DATABASE_URL=//p' var/local.env) .venv/bin/python -m inventory.seed
  nohup .venv/bin/honcho start -f Procfile -e var/local.env >var/services.log 2>&1 &
  echo $! >var/services.pid
fi
for port in "${PORTS[@]}"; do
  deadline=$((SECONDS + 60))
  until curl -sf "http://127.0.0.1:$port/ready" >/dev/null; do
    if (( SECONDS > deadline )) || ! kill -0 "$(cat var/services.pid)" 2>/dev/null; then
      echo "service on :$port did not become ready; last log lines:"; tail -n 30 var/services.log; exit 1
    fi
    sleep 0.3
  done
done
kill -0 "$(cat var/services.pid)" 2>/dev/null || { echo "services exited; see var/services.log"; exit 1; }
# The demo prices reach the order service as inventory.price_changed events (the seed's outbox rows,
# published once inventory runs): wait for them, so that the first order is judged against them.
order_db=$(sed -n 's/^ORDER_DATABASE_URL=//p' var/local.env)
deadline=$((SECONDS + 60))
until (( $(psql "$order_db" -Atc "SELECT count(*) FROM product_prices" 2>/dev/null || echo 0) >= 5 )); do
  if (( SECONDS > deadline )); then
    echo "the order service has not received the demo prices; see var/services.log"; exit 1
  fi
  sleep 0.3
done
TOKEN=$(.venv/bin/python -m stack.mint | tail -1)  # the demo customer's: orders:write orders:read, 12 h
cat <<TXT

  The order pipeline is up.
    Order API         http://localhost:3001   (OpenAPI: http://localhost:3001/openapi.json)
    Inventory API     http://localhost:3002   (OpenAPI: http://localhost:3002/openapi.json)
    Payment, shipping http://localhost:3003/ready, http://localhost:3004/ready
    Metrics           http://127.0.0.1:9101/metrics (order; inventory 9102, payment 9103, shipping 9104)
    RabbitMQ UI       http://localhost:15672  (saga-operator / the password in var/secrets/rabbitmq-operator): Queues tab
    Logs              tail -f var/services.log
    Stop              make down

  A token for the demo customer 6f1f3c1e-4c8a-4a5e-9a51-3d1c6a9e2b10 (orders:write orders:read, 12 h):

    export TOKEN=$TOKEN

    curl -s http://localhost:3001/orders -H "Authorization: Bearer \$TOKEN"

  Another customer:  TOKEN=\$(make -s token SUB=<uuid> | tail -1)
  An operator (every scope: any customer's orders, stock, holds):
    TOKEN=\$(make -s token SCOPES="orders:admin orders:read orders:write inventory:read inventory:write holds:write" | tail -1)

TXT
