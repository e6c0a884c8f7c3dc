#!/usr/bin/env bash
# Make sure PostgreSQL, RabbitMQ (with its management UI) and Redis run locally. Starts only what is
# down; safe to run again. The services' roles and databases are made by scripts/up.sh
# (python -m runtime.provision), so no list of them is kept here.
set -euo pipefail
PGHOST=${PGHOST:-127.0.0.1}

say() { printf '[infra] %s\n' "$*"; }
wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
  local deadline=$((SECONDS + $1)) what=$2; shift 2
  until "$@" >/dev/null 2>&1; do
    (( SECONDS < deadline )) || { say "$what did not come up within the deadline"; return 1; }
    sleep 0.5
  done
}

# `make test` (INFRA_FOR=tests) where the tests will run on throwaway containers (no TEST_* URL set and
# a Docker engine answers: tests/support/provision.py decides) needs none of the local servers.
if [ "${INFRA_FOR:-}" = tests ] && [ "$(python -m tests.support.provision 2>/dev/null)" = containers ]; then
  say "the tests will start PostgreSQL, RabbitMQ and Redis in containers: no local server needed"
  exit 0
fi

if ! pg_isready -q -h "$PGHOST"; then
  say "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
  wait_for 60 PostgreSQL pg_isready -q -h "$PGHOST"
fi

# The four services' pools, the test stacks' and the benchmark's need more than the default 100.
if (( $(psql -h "$PGHOST" -U postgres -Atc "SHOW max_connections") < 300 )); then
  say "raising PostgreSQL max_connections to 300 (restarts PostgreSQL once)"
  psql -h "$PGHOST" -U postgres -qc "ALTER SYSTEM SET max_connections = 300"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main restart -m fast
  wait_for 60 PostgreSQL pg_isready -q -h "$PGHOST"
fi

# Every UPDATE leaves a dead row version behind; without autovacuum the tables bloat and their
# statistics go stale run after run (a server configured with autovacuum = off gets it back on).
if [ "$(psql -h "$PGHOST" -U postgres -Atc "SHOW autovacuum")" != "on" ]; then
  say "turning PostgreSQL autovacuum on (a reload, no restart)"
  psql -h "$PGHOST" -U postgres -qc "ALTER SYSTEM SET autovacuum = on" -c "SELECT pg_reload_conf()" >/dev/null
fi

if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  say "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_for 30 Redis redis-cli -h 127.0.0.1 ping
fi

if ! rabbitmqctl -q status >/dev/null 2>&1; then
  say "starting RabbitMQ"
  rabbitmq-server -detached
  wait_for 120 RabbitMQ rabbitmqctl -q await_startup
fi
if ! rabbitmq-plugins -q is_enabled rabbitmq_management >/dev/null 2>&1; then
  say "enabling the RabbitMQ management plugin (UI on :15672)"
  rabbitmq-plugins -q enable rabbitmq_management >/dev/null
fi
wait_for 60 "RabbitMQ management API" curl -sf -u guest:guest http://127.0.0.1:15672/api/overview

say "PostgreSQL, RabbitMQ and Redis are up"
