#!/bin/bash
# Runs once, when the postgres data volume is first initialised (docker-entrypoint-initdb.d).
# Creates the runtime role the apps connect as (DATABASE_URL): it can log in and read/write
# the tables the owner role (POSTGRES_USER, used by the migrations) creates, but owns
# nothing and is neither superuser nor BYPASSRLS, so row-level security applies to it.
set -euo pipefail

: "${FENGDA_APP_DB_PASSWORD:?FENGDA_APP_DB_PASSWORD must be set}"

psql -v ON_ERROR_STOP=1 \
  --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v app_password="$FENGDA_APP_DB_PASSWORD" \
  -v owner="$POSTGRES_USER" -v db="$POSTGRES_DB" <<'SQL'
SELECT format('CREATE ROLE fengda_app LOGIN PASSWORD %L NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS', :'app_password')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'fengda_app')
\gexec
GRANT CONNECT ON DATABASE :"db" TO fengda_app;
GRANT USAGE ON SCHEMA public TO fengda_app;
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO fengda_app;
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO fengda_app;
SQL
