#!/usr/bin/env bash
# Starts a local PostgreSQL (Debian's packaging: pg_ctlcluster) and creates the role and database the
# PostgreSQL tests use; prints the JDBC URL for PARLEY_TEST_PG_URL on standard output. Root only.
# Idempotent: an existing cluster, role or database is reused. Exits non-zero when PostgreSQL is missing.
set -euo pipefail
# Only the URL goes to standard output: pg_ctlcluster and friends chatter ("Removed stale pid file."),
# and the server it starts must not hold the caller's pipe open.
{
command -v pg_lsclusters >/dev/null 2>&1 || { echo ".ci/postgres.sh: no PostgreSQL (pg_lsclusters missing)" >&2; exit 1; }
if [ -z "$(pg_lsclusters -h)" ]; then
  # Installed without a cluster (e.g. create_main_cluster = false): make the default one.
  version=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
  pg_createcluster "$version" main >/dev/null
fi
read -r version cluster port status _ < <(pg_lsclusters -h | head -n 1) \
  || { echo ".ci/postgres.sh: no PostgreSQL cluster" >&2; exit 1; }
if [ "$status" != online ]; then
  pg_ctlcluster "$version" "$cluster" start
fi
psql_as_postgres() { (cd / && su postgres -s /bin/sh -c "psql -p $port -v ON_ERROR_STOP=1 -qtA $*"); }
# A throwaway role for tests on a local CI machine: its password is no secret.
if [ "$(psql_as_postgres "-c \"SELECT 1 FROM pg_roles WHERE rolname = 'parley_test'\"")" != 1 ]; then
  psql_as_postgres "-c \"CREATE ROLE parley_test LOGIN PASSWORD 'parley_test'\"" >/dev/null
fi
if [ "$(psql_as_postgres "-c \"SELECT 1 FROM pg_database WHERE datname = 'parley_test'\"")" != 1 ]; then
  psql_as_postgres "-c \"CREATE DATABASE parley_test OWNER parley_test\"" >/dev/null
fi
} >&2
read -r _ _ port _ < <(pg_lsclusters -h | head -n 1)
echo "jdbc:postgresql://127.0.0.1:$port/parley_test?user=parley_test&password=parley_test"
