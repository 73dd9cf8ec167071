#!/usr/bin/env bash
# Starts the end-to-end trace stack in the background, all on 127.0.0.1:
#   Jaeger v2 (memory storage)     OTLP 14317/14318, query HTTP 16686, gRPC 16685
#   workbench receiver(s)          OTLP/HTTP + /healthz on 4319 (and 4320, 4321,
#                                  with OTLP/gRPC on 24319-24321, for the fleet)
#   otelcol-workbench collector    OTLP 4317/4318, own metrics 18888
# and returns 0 once every process answers. Tempo is not part of the stack
# (see collector-config/test-stack/README.md).
#
# Usage: test/backends/start.sh DIR
#   DIR gets otlp/ (file exporter output), bundles/, data/, logs/NAME.log and
#   pids/NAME.pid. Stop everything with test/backends/stop.sh DIR.
#
# Environment:
#   WORKBENCH_SKIP_RECEIVER=1     do not start the workbench receiver
#   WORKBENCH_COLLECTOR_CONFIG    collector config, a path or a file name in
#                                 collector-config/test-stack/ (default
#                                 collector.yaml; collector-loadbalancing.yaml
#                                 starts three receivers, OTLP/HTTP on
#                                 4319-4321 and OTLP/gRPC on 24319-24321, which
#                                 the collector's load_balancing exporter
#                                 feeds directly)
#   WORKBENCH_BACKENDS_TIMEOUT    seconds to wait for each process (default 90)
#   WORKBENCH_KEEP_ON_FAILURE=1   leave started processes running on failure
#   WORKBENCH_BACKENDS_CACHE      binary cache (see build.sh)
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $# -eq 1 && -n "$1" ]] || die "usage: $0 DIR"
mkdir -p "$1"
DIR="$(cd "$1" && pwd)"
TIMEOUT="${WORKBENCH_BACKENDS_TIMEOUT:-90}"

COLLECTOR_CONFIG="${WORKBENCH_COLLECTOR_CONFIG:-collector.yaml}"
[[ "$COLLECTOR_CONFIG" == */* ]] || COLLECTOR_CONFIG="$CONFIG_DIR/$COLLECTOR_CONFIG"
[[ -f "$COLLECTOR_CONFIG" ]] || die "collector config not found: $COLLECTOR_CONFIG"
case "$(basename "$COLLECTOR_CONFIG")" in
  collector-loadbalancing.yaml) RECEIVER_PORTS=(4319 4320 4321) ;;
  *) RECEIVER_PORTS=(4319) ;;
esac

# 1. Binaries (builds only what is missing).
"$BACKENDS_DIR/build.sh"
COLLECTOR_BIN="$(collector_bin)"

# 2. Folders.
mkdir -p "$DIR"/{otlp,bundles,data,logs,pids}
export WORKBENCH_E2E_DIR="$DIR"

# 3. Refuse to start over a running stack or on busy ports.
for pidfile in "$DIR"/pids/*.pid; do
  [[ -e "$pidfile" ]] || continue
  pid="$(cat "$pidfile" 2>/dev/null || true)"
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    die "$(basename "$pidfile" .pid) is already running (pid $pid); stop it first: $BACKENDS_DIR/stop.sh $DIR"
  fi
  rm -f "$pidfile"
done

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
SKIP_RECEIVER=0
if [[ "${WORKBENCH_SKIP_RECEIVER:-0}" == "1" ]]; then
  log "warning: WORKBENCH_SKIP_RECEIVER=1: not starting the workbench receiver"
  SKIP_RECEIVER=1
elif [[ ! -f "$REPO_ROOT/packages/cli/src/bin.ts" ]]; then
  log "warning: packages/cli/src/bin.ts does not exist yet: not starting the workbench receiver (the collector's exports to it will be retried and logged as failures)"
  SKIP_RECEIVER=1
fi
ports=(14317 14318 16686 16685 4317 4318 18888)
FLEET=0
[[ "$(basename "$COLLECTOR_CONFIG")" == collector-loadbalancing.yaml ]] && FLEET=1
[[ $SKIP_RECEIVER == 1 ]] || ports+=("${RECEIVER_PORTS[@]}")
# The fleet's receivers also listen for OTLP/gRPC, on 20000 above their HTTP port.
[[ $SKIP_RECEIVER == 1 || $FLEET == 0 ]] || for port in "${RECEIVER_PORTS[@]}"; do ports+=($((port + 20000))); done
for port in "${ports[@]}"; do
  if port_busy "$port"; then
    die "127.0.0.1:$port is already in use (another stack running? $BACKENDS_DIR/stop.sh DIR)"
  fi
done

STARTED=()
launch() {
  local name="$1"
  shift
  log "starting $name: $*"
  (cd "$REPO_ROOT" && exec "$@") >"$DIR/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$DIR/pids/$name.pid"
  STARTED+=("$name")
}

fail() {
  local name="$1" why="$2"
  log "error: $name $why"
  log "---- last 40 lines of $DIR/logs/$name.log ----"
  tail -n 40 "$DIR/logs/$name.log" >&2 || true
  log "----"
  if [[ "${WORKBENCH_KEEP_ON_FAILURE:-0}" == "1" ]]; then
    log "WORKBENCH_KEEP_ON_FAILURE=1: leaving ${STARTED[*]} running; stop with $BACKENDS_DIR/stop.sh $DIR"
  else
    "$BACKENDS_DIR/stop.sh" "$DIR" || true
  fi
  exit 1
}

# wait_http NAME URL [any]: polls URL until it answers 200 (or, with "any",
# any HTTP status), failing fast if the process exits, or after TIMEOUT s.
wait_http() {
  local name="$1" url="$2" mode="${3:-200}" start=$SECONDS code pid
  pid="$(cat "$DIR/pids/$name.pid")"
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      fail "$name" "exited before answering on $url"
    fi
    code="$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$url" 2>/dev/null || true)"
    if [[ "$code" == 200 || ("$mode" == any && -n "$code" && "$code" != 000) ]]; then
      log "$name is up ($url answered $code after $((SECONDS - start)) s)"
      return 0
    fi
    if ((SECONDS - start >= TIMEOUT)); then
      fail "$name" "did not answer on $url within $TIMEOUT s (last status: ${code:-none})"
    fi
    sleep 0.2
  done
}

T0=$SECONDS

# 4. Backends first, then the receivers, then the collector that feeds them.
launch jaeger "$JAEGER_BIN" --config "$CONFIG_DIR/jaeger.yaml"

if [[ $SKIP_RECEIVER == 0 ]]; then
  for port in "${RECEIVER_PORTS[@]}"; do
    if [[ $port == 4319 ]]; then
      name=receiver out="$DIR/bundles" data="$DIR/data"
    else
      name="receiver-$port" out="$DIR/bundles-$port" data="$DIR/data-$port"
      mkdir -p "$out" "$data"
    fi
    grpc=()
    [[ $FLEET == 0 ]] || grpc=(--grpc-port "$((port + 20000))")
    launch "$name" node --conditions=source --import tsx packages/cli/src/bin.ts serve \
      --host 127.0.0.1 --port "$port" "${grpc[@]}" --out "$out" --data "$data"
  done
fi

wait_http jaeger "http://127.0.0.1:16686/api/v3/services"
if [[ $SKIP_RECEIVER == 0 ]]; then
  for port in "${RECEIVER_PORTS[@]}"; do
    if [[ $port == 4319 ]]; then name=receiver; else name="receiver-$port"; fi
    wait_http "$name" "http://127.0.0.1:$port/healthz"
  done
fi

launch collector "$COLLECTOR_BIN" --config "$COLLECTOR_CONFIG"
# The OTLP/HTTP receiver answers GET /v1/traces with 405: any status means up.
wait_http collector "http://127.0.0.1:4318/v1/traces" any

log "stack up in $((SECONDS - T0)) s: ${STARTED[*]} (logs in $DIR/logs, pids in $DIR/pids)"
log "  send OTLP to     grpc 127.0.0.1:4317, http http://127.0.0.1:4318/v1/traces"
log "  Jaeger API       http://127.0.0.1:16686/api/v3/traces/{hex id}?raw_traces=true"
log "  file exporter    $DIR/otlp/traces.jsonl"
[[ $SKIP_RECEIVER == 1 ]] || log "  receiver(s)      ${RECEIVER_PORTS[*]} -> $DIR/bundles"
log "  stop with        $BACKENDS_DIR/stop.sh $DIR"
