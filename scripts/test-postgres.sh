#!/usr/bin/env bash
# A throwaway PostgreSQL server on loopback for the tests: Debian's PostgreSQL, a cluster in a temporary
# folder on a free port, a role and a database named medgym. Prints the lines to eval:
#   eval "$(scripts/test-postgres.sh start)"   # sets MEDGYM_TEST_POSTGRES and MEDGYM_TEST_POSTGRES_DIR
#   scripts/test-postgres.sh stop              # stops it and removes its folder
# MEDGYM_TEST_POSTGRES_LISTEN=ADDR[,ADDR…] CIDR: also listen on those addresses (which must exist) and let the
# medgym role in from CIDR with its password (scripts/netns-workers.sh: workers in network namespaces).
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
[ -n "$bin" ] || { echo "test-postgres: no PostgreSQL server; apt-get install postgresql" >&2; exit 1; }
# PostgreSQL will not run as root: as root, the cluster is the postgres user's.
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "${1:-}" in
  start)
    dir=$(mktemp -d /tmp/medgym-postgres.XXXXXX)
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 >/dev/null
    listen=127.0.0.1
    if [ -n "${MEDGYM_TEST_POSTGRES_LISTEN:-}" ]; then
      read -r extra cidr <<<"$MEDGYM_TEST_POSTGRES_LISTEN"
      listen="$listen,$extra"
      echo "host all medgym $cidr scram-sha-256" | as_owner tee -a "$dir/data/pg_hba.conf" >/dev/null
    fi
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
      -o "-h $listen -p $port -k $dir -c fsync=off -c max_connections=200" start >/dev/null
    as_owner "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -q -c "CREATE ROLE medgym LOGIN CREATEDB CREATEROLE PASSWORD 'medgym'" \
      -c "CREATE DATABASE medgym OWNER medgym" >/dev/null
    echo "export MEDGYM_TEST_POSTGRES=postgres://medgym:medgym@127.0.0.1:$port/medgym"
    echo "export MEDGYM_TEST_POSTGRES_DIR=$dir"
    echo "export MEDGYM_TEST_POSTGRES_PORT=$port"
    ;;
  stop)
    dir=${MEDGYM_TEST_POSTGRES_DIR:?"no MEDGYM_TEST_POSTGRES_DIR: nothing to stop"}
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: scripts/test-postgres.sh start|stop" >&2
    exit 64
    ;;
esac
