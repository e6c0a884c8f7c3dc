#!/usr/bin/env bash
# The broker's users for `make up`: one per service and an operator, passwords generated once into
# var/secrets/rabbitmq-<role> (mode 600, reused afterwards); the definitions document (topology, users,
# permissions) generated into var/rabbitmq/definitions.json and imported through the management API as
# the operator (the first time, before the operator exists, as the local broker's guest administrator).
# Prints the variables var/local.env gets: each service's <SERVICE>_RABBITMQ_URL, the operator's URL.
set -euo pipefail
cd "$(dirname "$0")/.."
PREFIX=${RABBITMQ_USER_PREFIX:-saga-}
API=${RABBITMQ_API:-http://127.0.0.1:15672}
AMQP_HOSTPORT=${RABBITMQ_HOSTPORT:-127.0.0.1:5672}
ROLES=(order payment inventory shipping operator)

mkdir -p var/rabbitmq
# the passwords are made once into var/secrets/rabbitmq-<role> (mode 600) by the generator itself
.venv/bin/python -m messaging.definitions --vhost / --user-prefix "$PREFIX" --secrets-dir var/secrets \
  --out var/rabbitmq/definitions.json
operator_pw=$(cat var/secrets/rabbitmq-operator)
# credentials go to curl on its standard input (-K -), never on its command line
api() { printf 'user = "%s"\n' "$1" | curl -sf -K - "${@:2}"; }
admin="${PREFIX}operator:$operator_pw"
if ! api "$admin" "$API/api/whoami" >/dev/null; then
  admin=${RABBITMQ_BOOTSTRAP_ADMIN:-guest:guest}  # the first import creates the operator
fi
api "$admin" -H 'content-type: application/json' -X POST --data-binary @var/rabbitmq/definitions.json \
  "$API/api/definitions" >/dev/null \
  || { echo "[broker] importing var/rabbitmq/definitions.json into $API failed" >&2; exit 1; }

echo "RABBITMQ_USER_PREFIX=$PREFIX"
for role in "${ROLES[@]}"; do
  echo "${role^^}_RABBITMQ_URL=amqp://${PREFIX}${role}:$(cat "var/secrets/rabbitmq-$role")@$AMQP_HOSTPORT/"
done
