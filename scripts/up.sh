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
    echo "ports ${PORTS[*]} are taken by:"; ps -o pid=,args= -p "$taken"
    echo "stop those processes ('make down' stops leftovers of an earlier 'make up') and try again"
    exit 1
  fi
  (umask 077; : >var/local.env)  # the one env file honcho loads; each part below adds its variables
  (umask 077; bash scripts/broker.sh >>var/local.env)  # broker users, topology, each service's RABBITMQ_URL
  .venv/bin/python -m inventory.seed
  nohup .venv/bin/honcho start -e var/local.env -f Procfile >var/services.log 2>&1 &
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
cat <<TXT

  The order pipeline is up.
    Order API         http://localhost:3001   (OpenAPI: http://localhost:3001/openapi.json)
    Inventory API     http://localhost:3002   (OpenAPI: http://localhost:3002/openapi.json)
    Payment, shipping http://localhost:3003/ready, http://localhost:3004/ready (and /metrics on each)
    RabbitMQ UI       http://localhost:15672  (saga-operator / the password in var/secrets/rabbitmq-operator): Queues tab
    Logs              tail -f var/services.log
    Stop              make down

TXT
