# Shared settings and helpers for scripts/stack: config, pid files, ports, waiting, apt installs.
# shellcheck shell=bash

REPO_ROOT="$(cd "$STACK_LIB/../.." && pwd)"
STACK_DIR="${STACK_DIR:-$REPO_ROOT/.stack}"
mkdir -p "$STACK_DIR"
STACK_DIR="$(cd "$STACK_DIR" && pwd)"
PG_PORT="${PG_PORT:-5433}"
NATS_PORT="${NATS_PORT:-4222}"
NATS_HTTP_PORT="${NATS_HTTP_PORT:-8222}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
STACK_USER="${STACK_USER:-aigw}"
WAIT_SECONDS="${WAIT_SECONDS:-60}"
LOG_LINES="${LOG_LINES:-100}"
RUN_DIR="$STACK_DIR/run"
LOG_DIR="$STACK_DIR/logs"
HOST=127.0.0.1
APT_UPDATED=0

say() { printf '[stack] %s\n' "$*"; }
warn() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] error: %s\n' "$*" >&2; exit 1; }

is_root() { [[ $(id -u) -eq 0 ]]; }

# apt_install <pkg>...: one `apt-get update` per run, only when something is installed.
apt_install() {
  local sudo=()
  if ! is_root; then
    command -v sudo >/dev/null || die "need root (or sudo) to apt-get install $*"
    sudo=(sudo)
  fi
  command -v apt-get >/dev/null || die "apt-get not found; install $* yourself"
  if ((APT_UPDATED == 0)); then
    say "apt-get update"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    APT_UPDATED=1
  fi
  say "apt-get install -y $*"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# port_open <port>: something accepts TCP connections on 127.0.0.1:<port>.
port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null; }

# alive <pid>: the process exists and is not a zombie waiting to be reaped.
alive() {
  local state
  state=$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$1/status" 2>/dev/null) || return 1
  [[ -n $state && $state != Z ]]
}

# pid_of <svc>: the pid recorded for <svc> if that process is alive and is <comm>, else nothing.
pid_of() {
  local svc=$1 comm=$2 file="$RUN_DIR/$1.pid" pid
  [[ -f $file ]] || return 1
  pid=$(<"$file")
  if [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$comm"* ]]; then
    echo "$pid"
  else
    rm -f "$file"
    return 1
  fi
}

# require_port_free <port> <what>: fail early when another process holds a port we need.
require_port_free() {
  port_open "$1" && die "port $1 ($2) is already in use by a process this stack did not start; set another port (see scripts/stack header)"
  return 0
}

# same_port <svc> <port>: a running service was started on the requested port.
same_port() {
  local recorded
  recorded=$(cat "$RUN_DIR/$1.port" 2>/dev/null || true)
  [[ -z $recorded || $recorded == "$2" ]] ||
    die "$1 is running on port $recorded but $2 was requested; run scripts/stack down first"
}

# lock: one `up`/`down` at a time per $STACK_DIR (fd 9; daemons are started with it closed).
lock() {
  exec 9>"$STACK_DIR/.lock"
  flock -w 300 9 || die "another scripts/stack up/down holds $STACK_DIR/.lock"
}

# start_daemon <svc> <cmd>...: run detached from this shell (own session, no inherited stdio).
start_daemon() {
  local svc=$1
  shift
  setsid "$@" </dev/null >>"$LOG_DIR/$svc.log" 2>&1 9>&- &
  echo $! >"$RUN_DIR/$svc.pid"
}

# wait_until <svc> <check-fn> [args]: poll every 0.25 s for $WAIT_SECONDS; on timeout, show the log tail.
wait_until() {
  local svc=$1 deadline
  shift
  deadline=$(($(date +%s) + WAIT_SECONDS))
  until "$@"; do
    if (($(date +%s) >= deadline)); then
      warn "$svc did not answer within ${WAIT_SECONDS}s; last lines of $LOG_DIR/$svc.log:"
      tail -n 40 "$LOG_DIR/$svc.log" >&2 || true
      exit 1
    fi
    sleep 0.25
  done
}

# stop_pid <svc> <comm>: TERM the recorded process, wait up to 30 s, then KILL.
stop_pid() {
  local svc=$1 pid i
  if ! pid=$(pid_of "$svc" "$2"); then
    say "$svc: not running"
    rm -f "$RUN_DIR/$svc.port"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 120; i++)); do
    alive "$pid" || break
    sleep 0.25
  done
  if alive "$pid"; then
    warn "$svc (pid $pid) ignored TERM for 30 s; killing"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$RUN_DIR/$svc.pid" "$RUN_DIR/$svc.port"
  say "$svc: stopped (pid $pid)"
}

# report <svc> <ok 0|1> <address> <detail>: one status line.
report() {
  if [[ $2 == 0 ]]; then printf '%-9s up    %-40s %s\n' "$1" "$3" "$4"; else printf '%-9s DOWN  %-40s %s\n' "$1" "$3" "$4"; fi
}

write_env() {
  local tmp="$STACK_DIR/env.tmp"
  {
    echo "DATABASE_URL=postgres://gateway:gateway@$HOST:$(<"$RUN_DIR/postgres.port")/gateway"
    echo "NATS_URL=nats://$HOST:$(<"$RUN_DIR/nats.port")"
    echo "KAFKA_BROKERS=$HOST:$(<"$RUN_DIR/kafka.port")"
  } >"$tmp"
  mv "$tmp" "$STACK_DIR/env"
}
