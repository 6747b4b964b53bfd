#!/usr/bin/env bash
# Runs a private 3-node RabbitMQ cluster on this machine, for the failover and
# federation tests and for trying clustering locally (README "Running on a cluster").
#
#   scripts/rabbitmq-cluster.sh start          # fresh cluster (wiped state), waits, prints the URL lines
#   scripts/rabbitmq-cluster.sh stop           # stops the three nodes (rabbitmqctl, then the pid files)
#   scripts/rabbitmq-cluster.sh kill NODE      # kill -9 of one node's VM (NODE: a|b|c, 1|2|3 or its name)
#   scripts/rabbitmq-cluster.sh restart NODE   # starts a stopped/killed node on its old state; it rejoins
#   scripts/rabbitmq-cluster.sh status         # per-node state; exit 0 when all three run, 3 otherwise
#   scripts/rabbitmq-cluster.sh env            # print the URL lines without starting anything
#
#   eval "$(scripts/rabbitmq-cluster.sh start)"
#   export RABBITMQ_CLUSTER_URLS RABBITMQ_CLUSTER_MGMT_URLS RABBITMQ_CLUSTER_NODES
#
# Every node is private the way scripts/rabbitmq-node.sh makes one (see
# ../shared/RABBITMQ-NODE.md): its own name, ports, mnesia/log/pid/config
# files under the state dir, Erlang distribution on loopback; the three share
# one cookie of their own (HOME=$STATE/home), which is what lets them cluster
# and keeps every other node on the machine out. Each node runs the
# management plugin and the shovel plugins (qpid-route maps onto dynamic
# shovels). Nothing global is touched: no system cookie, no /etc, no service.
#
# Environment (all optional; the defaults stay clear of rabbitmq-node.sh's 5673/15673/25673):
#   RABBITMQ_CLUSTER_DIR        state dir (default: $PWD/.rabbitmq-cluster)
#   RABBITMQ_CLUSTER_NAME       node name prefix; nodes are NAMEa/NAMEb/NAMEc@localhost (default: qpidc)
#   RABBITMQ_CLUSTER_PORT       AMQP port of node a; b and c use +1, +2 (default: 5674)
#   RABBITMQ_CLUSTER_MGMT_PORT  management port of node a (default: 15674)
#   RABBITMQ_CLUSTER_DIST_PORT  Erlang distribution port of node a (default: 25674)
#   RABBITMQ_BIN_DIR            where the real scripts live (default: /usr/lib/rabbitmq/bin)
#   RABBITMQ_START_TIMEOUT      seconds to wait for one node's startup (default: 90)
set -euo pipefail

STATE_DIR="${RABBITMQ_CLUSTER_DIR:-$PWD/.rabbitmq-cluster}"
PREFIX="${RABBITMQ_CLUSTER_NAME:-qpidc}"
BASE_PORT="${RABBITMQ_CLUSTER_PORT:-5674}"
BASE_MGMT="${RABBITMQ_CLUSTER_MGMT_PORT:-15674}"
BASE_DIST="${RABBITMQ_CLUSTER_DIST_PORT:-25674}"
BIN_DIR="${RABBITMQ_BIN_DIR:-/usr/lib/rabbitmq/bin}"
START_TIMEOUT="${RABBITMQ_START_TIMEOUT:-90}"
LETTERS=(a b c)

log() { echo "rabbitmq-cluster: $*" >&2; }
die() {
  log "$*"
  exit 1
}

mkdir -p "$STATE_DIR"
STATE_DIR="$(cd "$STATE_DIR" && pwd)"
# The names and ports a `start` used stay with its state dir, so stop/kill/restart/status
# reach the nodes that are really running even from a shell without the same variables.
if [ "${1:-}" != start ] && [ -s "$STATE_DIR/cluster.env" ]; then
  # shellcheck disable=SC1091
  . "$STATE_DIR/cluster.env"
fi
export HOME="$STATE_DIR/home"
export ERL_EPMD_ADDRESS=127.0.0.1
export RABBITMQ_ALLOW_INPUT=
unset RABBITMQ_ENV_LOADED

nodename() { echo "${PREFIX}$1@localhost"; }
index_of() {
  case "$1" in
  a | 1 | "${PREFIX}a" | "${PREFIX}a@localhost") echo 0 ;;
  b | 2 | "${PREFIX}b" | "${PREFIX}b@localhost") echo 1 ;;
  c | 3 | "${PREFIX}c" | "${PREFIX}c@localhost") echo 2 ;;
  *) die "unknown node '$1' (use a, b or c)" ;;
  esac
}

# Points every RABBITMQ_* variable at node $1's (0..2) own places.
node_env() {
  local i=$1 letter=${LETTERS[$1]}
  NODE_DIR="$STATE_DIR/$letter"
  export RABBITMQ_NODENAME="$(nodename "$letter")"
  export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
  export RABBITMQ_NODE_PORT=$((BASE_PORT + i))
  export RABBITMQ_DIST_PORT=$((BASE_DIST + i))
  export RABBITMQ_MNESIA_BASE="$NODE_DIR/mnesia"
  export RABBITMQ_MNESIA_DIR="$NODE_DIR/mnesia/$RABBITMQ_NODENAME"
  export RABBITMQ_LOG_BASE="$NODE_DIR/log"
  export RABBITMQ_PID_FILE="$NODE_DIR/rabbitmq.pid"
  export RABBITMQ_CONFIG_FILE="$NODE_DIR/rabbitmq"
  export RABBITMQ_ADVANCED_CONFIG_FILE="$NODE_DIR/advanced.config"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$NODE_DIR/enabled_plugins"
  export RABBITMQ_CONF_ENV_FILE="$NODE_DIR/rabbitmq-env.conf"
  export RABBITMQ_PLUGINS_EXPAND_DIR="$NODE_DIR/plugins-expand"
  export RABBITMQ_FEATURE_FLAGS_FILE="$NODE_DIR/feature_flags"
  # Loopback-only distribution, and schedulers that sleep instead of
  # busy-waiting: three idle nodes must not burn a shared 2-core machine.
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1} +sbwt none +sbwtdcpu none +sbwtdio none"
  MGMT_PORT=$((BASE_MGMT + i))
  PID_FILE="$RABBITMQ_PID_FILE"
  CONSOLE_LOG="$NODE_DIR/log/console.out"
}

ctl() { "$BIN_DIR/rabbitmqctl" -n "$RABBITMQ_NODENAME" "$@"; }

print_urls() {
  local i amqp=() mgmt=() nodes=()
  for i in 0 1 2; do
    amqp+=("amqp://guest:guest@127.0.0.1:$((BASE_PORT + i))")
    mgmt+=("http://127.0.0.1:$((BASE_MGMT + i))")
    nodes+=("$(nodename "${LETTERS[$i]}")")
  done
  local IFS=,
  echo "RABBITMQ_CLUSTER_URLS=${amqp[*]}"
  echo "RABBITMQ_CLUSTER_MGMT_URLS=${mgmt[*]}"
  echo "RABBITMQ_CLUSTER_NODES=${nodes[*]}"
}

node_pid() {
  local pid
  [ -s "$PID_FILE" ] || return 1
  pid="$(tr -dc '0-9' <"$PID_FILE")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

write_cookie() {
  mkdir -p "$HOME"
  if [ ! -s "$HOME/.erlang.cookie" ]; then
    (umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' | tr 'a-f' 'A-F' >"$HOME/.erlang.cookie")
  fi
  chmod 400 "$HOME/.erlang.cookie"
}

write_files() {
  mkdir -p "$RABBITMQ_LOG_BASE" "$RABBITMQ_PLUGINS_EXPAND_DIR"
  : >"$RABBITMQ_CONF_ENV_FILE"
  echo '[rabbitmq_management,rabbitmq_shovel,rabbitmq_shovel_management].' >"$RABBITMQ_ENABLED_PLUGINS_FILE"
  echo '[].' >"$RABBITMQ_ADVANCED_CONFIG_FILE"
  cat >"$RABBITMQ_CONFIG_FILE.conf" <<EOF
# Generated by scripts/rabbitmq-cluster.sh; rewritten on every start.
listeners.tcp.1 = 127.0.0.1:$RABBITMQ_NODE_PORT
management.tcp.ip = 127.0.0.1
management.tcp.port = $MGMT_PORT
log.file.level = info
log.console = false
# A killed node is a node down, not a partition; pause_minority keeps a lone
# node from serving stale classic-queue state if loopback ever splits.
cluster_partition_handling = pause_minority
EOF
}

# Launches node $1 in the background (setsid: it outlives this script and
# signals aimed at the caller's group), waits for its pid file.
launch() {
  node_env "$1"
  local p
  for p in "$RABBITMQ_NODE_PORT" "$MGMT_PORT" "$RABBITMQ_DIST_PORT"; do
    port_busy "$p" && die "port 127.0.0.1:$p is already in use (set RABBITMQ_CLUSTER_PORT / _MGMT_PORT / _DIST_PORT)"
  done
  write_files
  log "starting $RABBITMQ_NODENAME (amqp $RABBITMQ_NODE_PORT, mgmt $MGMT_PORT, dist $RABBITMQ_DIST_PORT)"
  setsid "$BIN_DIR/rabbitmq-server" </dev/null >"$CONSOLE_LOG" 2>&1 &
  local launcher=$! deadline=$((SECONDS + START_TIMEOUT))
  while [ "$SECONDS" -lt "$deadline" ]; do
    node_pid >/dev/null && return 0
    if ! kill -0 "$launcher" 2>/dev/null; then
      log "rabbitmq-server for $RABBITMQ_NODENAME exited early; last lines of $CONSOLE_LOG:"
      tail -n 40 "$CONSOLE_LOG" >&2 || true
      return 1
    fi
    sleep 0.5
  done
  die "$RABBITMQ_NODENAME wrote no pid file within ${START_TIMEOUT}s"
}

# Waits until node $1 accepts work and its management listener is open.
await_node() {
  node_env "$1"
  local pid deadline=$((SECONDS + START_TIMEOUT))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if ! pid="$(node_pid)"; then
      log "$RABBITMQ_NODENAME is not running; last lines of $CONSOLE_LOG:"
      tail -n 40 "$CONSOLE_LOG" >&2 || true
      return 1
    fi
    if ctl await_startup --timeout 5 >/dev/null 2>&1; then
      while [ "$SECONDS" -lt "$deadline" ]; do
        port_busy "$MGMT_PORT" && return 0
        sleep 0.5
      done
    fi
    sleep 1
  done
  log "$RABBITMQ_NODENAME did not start within ${START_TIMEOUT}s; last lines of $CONSOLE_LOG:"
  tail -n 40 "$CONSOLE_LOG" >&2 || true
  return 1
}

stop_node() {
  node_env "$1"
  local pid i
  if ! pid="$(node_pid)"; then
    rm -f "$PID_FILE"
    return 0
  fi
  if ! timeout 60 "$BIN_DIR/rabbitmqctl" -n "$RABBITMQ_NODENAME" stop "$PID_FILE" >/dev/null 2>&1; then
    log "rabbitmqctl stop $RABBITMQ_NODENAME failed; sending TERM to pid $pid"
    kill -TERM "$pid" 2>/dev/null || true
  fi
  for i in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || break
    [ "$i" -eq 60 ] && kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  done
  rm -f "$PID_FILE"
  log "$RABBITMQ_NODENAME stopped"
}

cmd_start() {
  [ -x "$BIN_DIR/rabbitmq-server" ] || die "$BIN_DIR/rabbitmq-server not found (apt-get install rabbitmq-server)"
  if cmd_status >/dev/null 2>&1; then
    log "cluster already running"
    print_urls
    return 0
  fi
  local i
  for i in 0 1 2; do stop_node "$i"; done
  # A fresh cluster per start: every node's state is wiped, the cookie kept.
  for i in 0 1 2; do rm -rf "${STATE_DIR:?}/${LETTERS[$i]}"; done
  write_cookie
  printf 'PREFIX=%q\nBASE_PORT=%q\nBASE_MGMT=%q\nBASE_DIST=%q\n' "$PREFIX" "$BASE_PORT" "$BASE_MGMT" "$BASE_DIST" >"$STATE_DIR/cluster.env"
  # Start all three at once (they boot as three single-node clusters), then
  # join b and c to a: join_cluster needs a reset node with its app stopped.
  for i in 0 1 2; do launch "$i" || { cmd_stop; exit 1; }; done
  for i in 0 1 2; do await_node "$i" || { cmd_stop; exit 1; }; done
  local first
  first="$(nodename a)"
  for i in 1 2; do
    node_env "$i"
    if ! { ctl stop_app && ctl reset && ctl join_cluster "$first" && ctl start_app; } >"$NODE_DIR/log/join.out" 2>&1; then
      log "$RABBITMQ_NODENAME could not join $first:"
      cat "$NODE_DIR/log/join.out" >&2
      cmd_stop
      exit 1
    fi
    await_node "$i" || { cmd_stop; exit 1; }
  done
  node_env 0
  local running
  running="$(ctl cluster_status --formatter json 2>/dev/null | tr -dc 'a-z@,"[]{}:_0-9' | grep -o '"running_nodes":\[[^]]*\]' || true)"
  log "cluster formed: ${running:-?}"
  print_urls
}

cmd_stop() {
  local i
  # Stop b and c first so a, the node they joined, leaves last.
  for i in 2 1 0; do stop_node "$i"; done
  return 0
}

cmd_kill() {
  local i pid
  i="$(index_of "${1:-}")"
  node_env "$i"
  pid="$(node_pid)" || die "$RABBITMQ_NODENAME is not running"
  kill -KILL "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  log "$RABBITMQ_NODENAME killed (pid $pid)"
}

cmd_restart() {
  local i
  i="$(index_of "${1:-}")"
  node_env "$i"
  if node_pid >/dev/null; then
    stop_node "$i"
  fi
  rm -f "$PID_FILE"
  # Its mnesia dir is kept: the node comes back as a member and rejoins.
  launch "$i"
  await_node "$i"
  log "$RABBITMQ_NODENAME running again (pid $(node_pid))"
}

cmd_status() {
  local i all=0
  for i in 0 1 2; do
    node_env "$i"
    if node_pid >/dev/null && ctl await_startup --timeout 5 >/dev/null 2>&1; then
      log "$RABBITMQ_NODENAME running (pid $(node_pid), amqp $RABBITMQ_NODE_PORT, mgmt $MGMT_PORT)"
    else
      log "$RABBITMQ_NODENAME not running"
      all=3
    fi
  done
  [ "$all" -eq 0 ] && print_urls
  return "$all"
}

case "${1:-}" in
start) cmd_start ;;
stop) cmd_stop ;;
kill) cmd_kill "${2:-}" ;;
restart) cmd_restart "${2:-}" ;;
status) cmd_status ;;
env) print_urls ;;
*)
  echo "usage: $0 start|stop|kill NODE|restart NODE|status|env" >&2
  exit 2
  ;;
esac
