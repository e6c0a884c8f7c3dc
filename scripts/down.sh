#!/usr/bin/env bash
# Stop the services started by `make up`: SIGTERM (graceful: finish handlers, flush outboxes), then wait.
set -uo pipefail
cd "$(dirname "$0")/.."
pid=$(cat var/services.pid 2>/dev/null || true)
if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
  kill -TERM "$pid"
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -0 "$pid" 2>/dev/null && { echo "still running after 20s; killing"; kill -KILL "$pid"; }
fi
rm -f var/services.pid
# a service left behind by a honcho that was killed outright still holds its port: stop it too
source scripts/ports.sh
for pid in $(listener_pids); do
  case "$(ps -o args= -p "$pid")" in
    *"$PWD/.venv/bin/"*-service) echo "stopping leftover service process $pid"; kill -TERM "$pid" ;;
  esac
done
for _ in $(seq 1 100); do [ -z "$(listener_pids)" ] && break; sleep 0.2; done
echo "services stopped"
