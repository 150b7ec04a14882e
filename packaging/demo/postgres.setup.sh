# postgres.setup.sh — sourced by tools/run-demo.sh before postgres.toml:
# starts a throwaway PostgreSQL cluster in $DEMO_DIR (initdb, a free
# 127.0.0.1 port, its socket in $DEMO_DIR; as the postgres user when run as
# root, since the server refuses root), with a small "shop" database and a
# monitoring role that has only pg_monitor, its password in a 0600 file.
pg_demo_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$pg_demo_bin" ] || [ ! -x "$pg_demo_bin/initdb" ]; then
  echo "postgres demo: PostgreSQL server binaries not found (install the postgresql package)" >&2
  return 1
fi
PG_DEMO_ROOT=$DEMO_DIR/postgres
mkdir -p "$PG_DEMO_ROOT/data" "$PG_DEMO_ROOT/socket"
pg_demo_as_server() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
[ "$(id -u)" = 0 ] && chown -R postgres:postgres "$PG_DEMO_ROOT"
PG_DEMO_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
pg_demo_as_server "$pg_demo_bin/initdb" -D "$PG_DEMO_ROOT/data" -A trust -U postgres --no-sync \
  >"$PG_DEMO_ROOT/initdb.log" 2>&1
cat >> "$PG_DEMO_ROOT/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_DEMO_PORT
unix_socket_directories = '$PG_DEMO_ROOT/socket'
fsync = off
shared_buffers = 32MB
CONF
printf 'local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n' > "$PG_DEMO_ROOT/data/pg_hba.conf"
pg_demo_as_server "$pg_demo_bin/pg_ctl" -D "$PG_DEMO_ROOT/data" -l "$PG_DEMO_ROOT/server.log" \
  -w -t 60 start >/dev/null
demo_on_exit "$( [ "$(id -u)" = 0 ] && echo 'runuser -u postgres --' ) '$pg_demo_bin/pg_ctl' -D '$PG_DEMO_ROOT/data' -m immediate -w stop >/dev/null 2>&1"

PG_DEMO_PASSWORD_FILE=$PG_DEMO_ROOT/monitor.password
(umask 077 && python3 -c 'import secrets; print(secrets.token_urlsafe(18))' > "$PG_DEMO_PASSWORD_FILE")
pg_demo_psql() {
  pg_demo_as_server "$pg_demo_bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_DEMO_ROOT/socket" \
    -p "$PG_DEMO_PORT" -U postgres "$@" >/dev/null
}
pg_demo_psql -d postgres -c "CREATE ROLE demo_monitor LOGIN PASSWORD '$(cat "$PG_DEMO_PASSWORD_FILE")' IN ROLE pg_monitor"
pg_demo_psql -d postgres -c "CREATE DATABASE shop"
pg_demo_psql -d shop -c "
  CREATE TABLE orders (id serial PRIMARY KEY, status text NOT NULL, amount numeric NOT NULL);
  INSERT INTO orders (status, amount)
    SELECT (ARRAY['paid', 'paid', 'paid', 'open', 'refunded'])[1 + i % 5], (i % 90) + 9.99
    FROM generate_series(1, 500) AS i;
  GRANT SELECT ON orders TO demo_monitor;"
export PG_DEMO_PORT PG_DEMO_PASSWORD_FILE
demo_started "PostgreSQL $(basename "$(dirname "$pg_demo_bin")"): 127.0.0.1:$PG_DEMO_PORT (database shop, role demo_monitor; data in $PG_DEMO_ROOT)"
