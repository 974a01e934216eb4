# PostgreSQL for scripts/stack: Debian's server run by pg_ctl as an unprivileged user, data in $STACK_DIR/pg.
# shellcheck shell=bash

PG_DATA="$STACK_DIR/pg/data"
PG_BIN="${PG_BIN:-}"

pg_find_bin() {
  [[ -n $PG_BIN && -x $PG_BIN/initdb ]] && return 0
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [[ -n $PG_BIN && -x $PG_BIN/initdb && -x $PG_BIN/pg_ctl ]]
}

# as_pg <cmd>...: run as the database owner (root may not run postgres), from a directory it can enter.
as_pg() {
  if is_root; then (cd "$STACK_DIR" && runuser -u "$STACK_USER" -- "$@" 9>&-); else (cd "$STACK_DIR" && "$@" 9>&-); fi
}

pg_prepare_user() {
  is_root || return 0
  if ! id -u "$STACK_USER" >/dev/null 2>&1; then
    say "creating system user $STACK_USER (runs postgres)"
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$STACK_USER"
  fi
  # Every directory above the data dir must be enterable by that user (e.g. /root/ci-clone/...).
  # Walk from / down, so each test sees its parents already fixed.
  local dir=$STACK_DIR dirs=() i
  while [[ $dir != / ]]; do dirs+=("$dir"); dir=$(dirname "$dir"); done
  for ((i = ${#dirs[@]} - 1; i >= 0; i--)); do
    if ! runuser -u "$STACK_USER" -- test -x "${dirs[i]}"; then
      say "chmod o+x ${dirs[i]} (so $STACK_USER can reach $STACK_DIR/pg)"
      chmod o+x "${dirs[i]}"
    fi
  done
  mkdir -p "$STACK_DIR/pg"
  chown "$STACK_USER:" "$STACK_DIR/pg"
  touch "$LOG_DIR/postgres.log"
  chown "$STACK_USER:" "$LOG_DIR/postgres.log"
}

pg_init() {
  [[ -f $PG_DATA/PG_VERSION ]] && return 0
  say "postgres: initdb $PG_DATA"
  local pwfile="$STACK_DIR/pg/.pwfile"
  as_pg bash -c "umask 077 && printf 'gateway\n' > '$pwfile'"
  as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U gateway --pwfile="$pwfile" -E UTF8 --locale=C \
    --auth-host=scram-sha-256 --auth-local=trust >>"$LOG_DIR/postgres-init.log" 2>&1 ||
    { tail -n 20 "$LOG_DIR/postgres-init.log" >&2; die "postgres: initdb failed"; }
  rm -f "$pwfile"
  # Loopback TCP only, no unix socket (its default dir belongs to the system postgres).
  # Durability is traded for speed: this is a disposable dev/CI database.
  as_pg bash -c "cat >> '$PG_DATA/postgresql.conf'" <<'CONF'

# scripts/stack
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
log_min_messages = warning
CONF
}

pg_ready() { "$PG_BIN/pg_isready" -q -h "$HOST" -p "$1" -t 2; }

pg_up() {
  local pid
  if pid=$(pid_of postgres postgres); then
    same_port postgres "$PG_PORT"
    pg_find_bin || die "postgres is running but its binaries are gone"
    wait_until postgres pg_ready "$PG_PORT"
    say "postgres: already running (pid $pid) on $HOST:$PG_PORT"
    return 0
  fi
  pg_find_bin || { apt_install postgresql; pg_find_bin || die "postgres binaries not found after install"; }
  pg_prepare_user
  pg_init
  # A server on our data dir whose pid file we lost: adopt it rather than fail.
  if [[ -f $PG_DATA/postmaster.pid ]]; then
    pid=$(head -n 1 "$PG_DATA/postmaster.pid")
    if alive "$pid" && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == postgres ]]; then
      echo "$pid" >"$RUN_DIR/postgres.pid"
      sed -n 4p "$PG_DATA/postmaster.pid" >"$RUN_DIR/postgres.port"
      same_port postgres "$PG_PORT"
      say "postgres: adopted running server (pid $pid)"
      return 0
    fi
  fi
  require_port_free "$PG_PORT" PG_PORT
  say "postgres: starting on $HOST:$PG_PORT"
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$LOG_DIR/postgres.log" -o "-p $PG_PORT" -w -t "$WAIT_SECONDS" start >/dev/null ||
    { tail -n 40 "$LOG_DIR/postgres.log" >&2; die "postgres: pg_ctl start failed"; }
  head -n 1 "$PG_DATA/postmaster.pid" >"$RUN_DIR/postgres.pid"
  echo "$PG_PORT" >"$RUN_DIR/postgres.port"
  wait_until postgres pg_ready "$PG_PORT"
  local exists
  exists=$(PGPASSWORD=gateway "$PG_BIN/psql" -h "$HOST" -p "$PG_PORT" -U gateway -d postgres -tAqc \
    "select 1 from pg_database where datname = 'gateway'")
  if [[ $exists != 1 ]]; then
    PGPASSWORD=gateway "$PG_BIN/createdb" -h "$HOST" -p "$PG_PORT" -U gateway gateway
    say "postgres: created database gateway"
  fi
  say "postgres: ready (pid $(<"$RUN_DIR/postgres.pid"))"
}

pg_down() {
  local pid
  if ! pid=$(pid_of postgres postgres); then
    say "postgres: not running"
    rm -f "$RUN_DIR/postgres.port"
    return 0
  fi
  pg_find_bin || true
  if [[ -n $PG_BIN ]] && as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop >/dev/null 2>&1; then
    rm -f "$RUN_DIR/postgres.pid" "$RUN_DIR/postgres.port"
    say "postgres: stopped (pid $pid)"
  else
    stop_pid postgres postgres
  fi
}

pg_status() {
  local port ok=1 detail="not started"
  port=$(cat "$RUN_DIR/postgres.port" 2>/dev/null || echo "$PG_PORT")
  if pid_of postgres postgres >/dev/null; then
    detail="pid $(<"$RUN_DIR/postgres.pid"), pg_isready failed"
    if pg_find_bin && pg_ready "$port"; then ok=0; detail="pid $(<"$RUN_DIR/postgres.pid"), pg_isready ok"; fi
  fi
  report postgres "$ok" "postgres://gateway:***@$HOST:$port/gateway" "$detail"
  return "$ok"
}
