#!/usr/bin/env bash
# Start throwaway PostgreSQL and MariaDB servers for the tests, on loopback
# only, with data in a temporary directory (fsync off: test data is disposable).
# `scripts/databases.sh start` prints `export …` lines for the test runner to
# eval; `scripts/databases.sh stop` ends the servers and removes their data.
set -euo pipefail
cd "$(dirname "$0")/.."
state="${CARGO_TARGET_DIR:-$PWD/target}/databases"
say() { printf '\033[1;34m[databases]\033[0m %s\n' "$*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
root() { [ "$(id -u)" -eq 0 ]; }

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

stop() {
  if [ -f "$state/pg.dir" ]; then
    local dir; dir=$(cat "$state/pg.dir")
    if root; then runuser -u postgres -- "$(pg_bin)/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    else "$(pg_bin)/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; fi
    rm -rf "$dir" "$state/pg.dir"
  fi
  if [ -f "$state/maria.dir" ]; then
    local dir; dir=$(cat "$state/maria.dir")
    [ -f "$dir/pid" ] && kill "$(cat "$dir/pid")" 2>/dev/null || true
    for _ in $(seq 1 50); do [ -S "$dir/sock" ] || break; sleep 0.1; done
    rm -rf "$dir" "$state/maria.dir"
  fi
}

start_pg() {
  local bin dir port
  bin=$(pg_bin)
  [ -x "$bin/initdb" ] || { say "PostgreSQL server not installed (scripts/setup.sh installs it)"; return 1; }
  dir=$(mktemp -d /tmp/fotobase-pg.XXXXXX)
  echo "$dir" > "$state/pg.dir"
  port=$(free_port)
  local run=()
  if root; then chown postgres "$dir"; run=(runuser -u postgres --); fi
  "${run[@]}" "$bin/initdb" -D "$dir/data" -U fotobase --auth=trust -E UTF8 --no-sync >"$state/pg-init.log" 2>&1
  "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c max_connections=200" \
    start >/dev/null
  "${run[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U fotobase fotobase_test
  say "PostgreSQL on 127.0.0.1:$port"
  echo "export FOTOBASE_TEST_POSTGRES_URL=postgres://fotobase@127.0.0.1:$port/fotobase_test"
}

start_maria() {
  command -v mariadbd >/dev/null || { say "MariaDB server not installed (scripts/setup.sh installs it)"; return 1; }
  local dir port user
  dir=$(mktemp -d /tmp/fotobase-maria.XXXXXX)
  echo "$dir" > "$state/maria.dir"
  port=$(free_port)
  user=$(id -un)
  mariadb-install-db --no-defaults --datadir="$dir/data" --user="$user" --auth-root-authentication-method=normal \
    --skip-test-db >"$state/maria-init.log" 2>&1
  mariadbd --no-defaults --datadir="$dir/data" --socket="$dir/sock" --pid-file="$dir/pid" --port="$port" \
    --bind-address=127.0.0.1 --user="$user" --innodb-flush-log-at-trx-commit=0 --skip-log-bin \
    --max-connections=300 >"$dir/server.log" 2>&1 &
  for _ in $(seq 1 150); do
    if mariadb --no-defaults -S "$dir/sock" -u root -e 'select 1' >/dev/null 2>&1; then break; fi
    sleep 0.2
  done
  mariadb --no-defaults -S "$dir/sock" -u root -e "
    CREATE DATABASE fotobase_test CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
    CREATE USER 'fotobase'@'127.0.0.1' IDENTIFIED BY 'fotobase';
    GRANT ALL ON *.* TO 'fotobase'@'127.0.0.1';" || { say "MariaDB did not start; log:"; cat "$dir/server.log" >&2; return 1; }
  say "MariaDB on 127.0.0.1:$port"
  echo "export FOTOBASE_TEST_MYSQL_URL=mysql://fotobase:fotobase@127.0.0.1:$port/fotobase_test"
}

# A private PostgreSQL for a test that stops and starts its database under a running server
# (reference-server/tests/e2e/faults.rs), apart from the shared one other tests use:
#   pg-instance new            initialise one in a fresh directory, start it; prints "DIR URL"
#   pg-instance stop|start DIR stop it (fast shutdown), start it again on the same port
#   pg-instance remove DIR     stop it at once and delete it
pg_instance() {
  local bin run=() dir port
  bin=$(pg_bin)
  [ -x "$bin/initdb" ] || { say "PostgreSQL server not installed (scripts/setup.sh installs it)"; return 1; }
  if root; then run=(runuser -u postgres --); fi
  case "${1:-}" in
    new)
      dir=$(mktemp -d /tmp/fotobase-pgi.XXXXXX)
      if root; then chown postgres "$dir"; fi
      free_port > "$dir/port"
      "${run[@]}" "$bin/initdb" -D "$dir/data" -U fotobase --auth=trust -E UTF8 --no-sync >"$dir/init.log" 2>&1
      pg_instance start "$dir" >/dev/null
      echo "$dir postgres://fotobase@127.0.0.1:$(cat "$dir/port")/postgres" ;;
    start)
      dir=$2; port=$(cat "$dir/port")
      "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off" start >/dev/null ;;
    stop) "${run[@]}" "$bin/pg_ctl" -D "$2/data" -m fast -w -t 60 stop >/dev/null ;;
    remove)
      "${run[@]}" "$bin/pg_ctl" -D "$2/data" -m immediate stop >/dev/null 2>&1 || true
      rm -rf "$2" ;;
    *) echo "usage: $0 pg-instance new|start DIR|stop DIR|remove DIR" >&2; return 2 ;;
  esac
}

case "${1:-}" in
  start) stop; mkdir -p "$state"; start_pg; start_maria ;;
  stop) stop ;;
  pg-instance) shift; pg_instance "$@" ;;
  *) echo "usage: $0 start|stop|pg-instance …" >&2; exit 2 ;;
esac
