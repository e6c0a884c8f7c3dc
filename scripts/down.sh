#!/usr/bin/env bash
# Stop the services started by `make up`: SIGTERM (graceful: finish handlers, flush outboxes), then wait.
set -uo pipefail
cd "$(dirname "$0")/.."
pid=$(cat var/services.pid 2>/dev/null) || { echo "not running"; exit 0; }
if kill -0 "$pid" 2>/dev/null; then
  kill -TERM "$pid"
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -0 "$pid" 2>/dev/null && { echo "still running after 20s; killing"; kill -KILL "$pid"; }
fi
rm -f var/services.pid
echo "services stopped"
