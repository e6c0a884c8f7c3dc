#!/usr/bin/env bash
# A compose PostgreSQL server's first boot (mounted into /docker-entrypoint-initdb.d, which runs only on
# an empty volume): the service's role SERVICE_DB_ROLE, a LOGIN with SERVICE_DB_PASSWORD and no
# superuser or CREATEDB, made the owner of POSTGRES_DB, which no other role may connect to. What
# runtime/dbroles.py does for `make up` and the test stacks (tests/integration/test_compose_file.py
# keeps the two role definitions the same).
set -euo pipefail
: "${SERVICE_DB_ROLE:?}" "${SERVICE_DB_PASSWORD:?}" "${POSTGRES_DB:?}"
psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" --dbname postgres \
  -v role="$SERVICE_DB_ROLE" -v password="$SERVICE_DB_PASSWORD" -v db="$POSTGRES_DB" <<'SQL'
CREATE ROLE :"role" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT PASSWORD :'password';
ALTER DATABASE :"db" OWNER TO :"role";
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
SQL
