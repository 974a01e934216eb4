# NATS for scripts/stack: nats-server with JetStream, store in $STACK_DIR/nats, monitoring for /healthz.
# shellcheck shell=bash

NATS_DIR="$STACK_DIR/nats"

# nats_healthy <http-port>: GET /healthz answers {"status":"ok"} (JetStream included).
nats_healthy() {
  timeout 3 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    printf "GET /healthz HTTP/1.0\r\nHost: %s\r\n\r\n" "$0" >&3
    grep -q "\"status\": *\"ok\"" <&3' "$HOST" "$1" 2>/dev/null
}

nats_up() {
  local pid
  if pid=$(pid_of nats nats-server); then
    same_port nats "$NATS_PORT"
    wait_until nats nats_healthy "$(cat "$RUN_DIR/nats.http_port" 2>/dev/null || echo "$NATS_HTTP_PORT")"
    say "nats: already running (pid $pid) on $HOST:$NATS_PORT"
    return 0
  fi
  command -v nats-server >/dev/null || apt_install nats-server
  require_port_free "$NATS_PORT" NATS_PORT
  require_port_free "$NATS_HTTP_PORT" NATS_HTTP_PORT
  mkdir -p "$NATS_DIR/jetstream"
  cat >"$NATS_DIR/nats.conf" <<CONF
# Written by scripts/stack on each start.
server_name: aigw-local
listen: $HOST:$NATS_PORT
http: $HOST:$NATS_HTTP_PORT
max_payload: 8MB
jetstream {
  store_dir: "$NATS_DIR/jetstream"
  max_memory_store: 256MB
  max_file_store: 2GB
}
CONF
  say "nats: starting on $HOST:$NATS_PORT (monitor $NATS_HTTP_PORT)"
  start_daemon nats nats-server -c "$NATS_DIR/nats.conf"
  echo "$NATS_PORT" >"$RUN_DIR/nats.port"
  echo "$NATS_HTTP_PORT" >"$RUN_DIR/nats.http_port"
  wait_until nats nats_healthy "$NATS_HTTP_PORT"
  say "nats: ready (pid $(<"$RUN_DIR/nats.pid"))"
}

nats_down() { stop_pid nats nats-server; rm -f "$RUN_DIR/nats.http_port"; }

nats_status() {
  local port http ok=1 detail="not started"
  port=$(cat "$RUN_DIR/nats.port" 2>/dev/null || echo "$NATS_PORT")
  http=$(cat "$RUN_DIR/nats.http_port" 2>/dev/null || echo "$NATS_HTTP_PORT")
  if pid_of nats nats-server >/dev/null; then
    detail="pid $(<"$RUN_DIR/nats.pid"), /healthz failed"
    if nats_healthy "$http"; then ok=0; detail="pid $(<"$RUN_DIR/nats.pid"), /healthz ok (monitor :$http)"; fi
  fi
  report nats "$ok" "nats://$HOST:$port" "$detail"
  return "$ok"
}
