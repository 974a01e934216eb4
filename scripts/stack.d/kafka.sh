# Kafka for scripts/stack: a single KRaft node (broker+controller) from Maven Central jars, in $STACK_DIR/kafka.
# shellcheck shell=bash

KAFKA_DIR="$STACK_DIR/kafka"
KAFKA_LIB="$KAFKA_DIR/lib"
KAFKA_POM="$REPO_ROOT/infra/kafka/pom.xml"
KAFKA_TOPICS=(ai-gateway.billing.v1 ai-gateway.audit.v1)
KAFKA_PARTITIONS="${KAFKA_PARTITIONS:-3}"
# Short-lived CLI JVMs: quick start matters more than peak speed.
KAFKA_TOOL_OPTS=(-Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC "-Dlog4j2.configurationFile=$KAFKA_DIR/log4j2-tools.properties")

# kafka_api_ok <port>: the broker answers an ApiVersions (v0) request with our correlation id.
kafka_api_ok() {
  local reply
  reply=$(timeout 3 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    printf "\x00\x00\x00\x0b\x00\x12\x00\x00\x00\x00\x00\x01\x00\x01s" >&3
    head -c 10 <&3 | od -An -tx1 | tr -d " \n"' "$HOST" "$1" 2>/dev/null) || return 1
  [[ ${reply:8:8} == 00000001 && ${reply:16:4} == 0000 ]]
}

kafka_jars() {
  local sum
  command -v java >/dev/null || apt_install openjdk-17-jre-headless
  command -v mvn >/dev/null || apt_install maven
  sum=$(sha256sum "$KAFKA_POM" | cut -d' ' -f1)
  [[ -f $KAFKA_LIB/.pom.sha256 && $(<"$KAFKA_LIB/.pom.sha256") == "$sum" ]] && return 0
  say "kafka: resolving jars from Maven Central into $KAFKA_LIB (about 54 MB the first time)"
  rm -rf "$KAFKA_LIB"
  mvn -q -B -f "$KAFKA_POM" dependency:copy-dependencies -DoutputDirectory="$KAFKA_LIB" \
    >"$LOG_DIR/kafka-maven.log" 2>&1 || { tail -n 40 "$LOG_DIR/kafka-maven.log" >&2; die "kafka: mvn failed"; }
  echo "$sum" >"$KAFKA_LIB/.pom.sha256"
}

kafka_config() {
  mkdir -p "$KAFKA_DIR/data"
  cat >"$KAFKA_DIR/server.properties" <<CONF
# Written by scripts/stack on each start: one node, broker and controller, loopback only.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$KAFKA_DIR/data
num.partitions=$KAFKA_PARTITIONS
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=24
CONF
  cat >"$KAFKA_DIR/log4j2.properties" <<'CONF'
# Broker logs to stdout, which scripts/stack sends to .stack/logs/kafka.log.
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = OUT
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.clients.name = org.apache.kafka.clients
logger.clients.level = WARN
CONF
  cat >"$KAFKA_DIR/log4j2-tools.properties" <<'CONF'
appender.err.type = Console
appender.err.name = ERR
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.err.ref = ERR
CONF
}

kafka_format() {
  [[ -f $KAFKA_DIR/data/meta.properties ]] && return 0
  local id
  # A Kafka cluster id is 16 random bytes in URL-safe base64 without padding (not starting with '-').
  id=$(cat "$KAFKA_DIR/cluster.id" 2>/dev/null || true)
  while [[ -z $id || $id == -* ]]; do id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '='); done
  echo "$id" >"$KAFKA_DIR/cluster.id"
  say "kafka: formatting storage (cluster id $id)"
  java "${KAFKA_TOOL_OPTS[@]}" -cp "$KAFKA_LIB/*" kafka.tools.StorageTool format --ignore-formatted \
    -t "$id" -c "$KAFKA_DIR/server.properties" >>"$LOG_DIR/kafka.log" 2>&1 ||
    { tail -n 40 "$LOG_DIR/kafka.log" >&2; die "kafka: storage format failed"; }
}

# kafka_topics: create the gateway topics once per data dir (marker lives in the data dir).
kafka_topics() {
  local marker="$KAFKA_DIR/data/.stack-topics" want="${KAFKA_TOPICS[*]} partitions=$KAFKA_PARTITIONS" topic pids=() p
  [[ -f $marker && $(<"$marker") == "$want" ]] && return 0
  for topic in "${KAFKA_TOPICS[@]}"; do
    java "${KAFKA_TOOL_OPTS[@]}" -cp "$KAFKA_LIB/*" org.apache.kafka.tools.TopicCommand \
      --bootstrap-server "$HOST:$KAFKA_PORT" --create --if-not-exists --topic "$topic" \
      --partitions "$KAFKA_PARTITIONS" --replication-factor 1 </dev/null >>"$LOG_DIR/kafka-topics.log" 2>&1 &
    pids+=($!)
  done
  for p in "${pids[@]}"; do
    wait "$p" || { tail -n 40 "$LOG_DIR/kafka-topics.log" >&2; die "kafka: topic creation failed"; }
  done
  echo "$want" >"$marker"
  say "kafka: topics ${KAFKA_TOPICS[*]} ($KAFKA_PARTITIONS partitions)"
}

kafka_up() {
  local pid
  if pid=$(pid_of kafka java); then
    same_port kafka "$KAFKA_PORT"
    wait_until kafka kafka_api_ok "$KAFKA_PORT"
    kafka_topics
    say "kafka: already running (pid $pid) on $HOST:$KAFKA_PORT"
    return 0
  fi
  require_port_free "$KAFKA_PORT" KAFKA_PORT
  require_port_free "$KAFKA_CONTROLLER_PORT" KAFKA_CONTROLLER_PORT
  kafka_jars
  kafka_config
  kafka_format
  say "kafka: starting on $HOST:$KAFKA_PORT (controller $KAFKA_CONTROLLER_PORT)"
  start_daemon kafka java -Xms256m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    "-Dlog4j2.configurationFile=$KAFKA_DIR/log4j2.properties" -cp "$KAFKA_LIB/*" kafka.Kafka "$KAFKA_DIR/server.properties"
  echo "$KAFKA_PORT" >"$RUN_DIR/kafka.port"
  wait_until kafka kafka_api_ok "$KAFKA_PORT"
  kafka_topics
  say "kafka: ready (pid $(<"$RUN_DIR/kafka.pid"))"
}

kafka_down() { stop_pid kafka java; }

kafka_status() {
  local port ok=1 detail="not started"
  port=$(cat "$RUN_DIR/kafka.port" 2>/dev/null || echo "$KAFKA_PORT")
  if pid_of kafka java >/dev/null; then
    detail="pid $(<"$RUN_DIR/kafka.pid"), ApiVersions failed"
    if kafka_api_ok "$port"; then ok=0; detail="pid $(<"$RUN_DIR/kafka.pid"), ApiVersions ok"; fi
  fi
  report kafka "$ok" "$HOST:$port" "$detail"
  return "$ok"
}
