#!/usr/bin/env bash
# Stops what test/backends/start.sh DIR started: SIGTERM to every process
# with a pid file in DIR/pids, SIGKILL to those still alive after a deadline
# (WORKBENCH_STOP_TIMEOUT, default 15 s), then removes the pid files.
# Safe to run twice, or on a stack that is partly down.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $# -eq 1 && -n "$1" ]] || die "usage: $0 DIR"
[[ -d "$1" ]] || die "no such folder: $1"
DIR="$(cd "$1" && pwd)"
TIMEOUT="${WORKBENCH_STOP_TIMEOUT:-15}"

# Guard against a recycled pid: only signal a process whose command line is
# the one start.sh ran for that name.
expected() {
  case "$1" in
    jaeger) echo jaeger ;;
    collector) echo otelcol-workbench ;;
    receiver*) echo bin.ts ;;
    *) echo "" ;;
  esac
}
ours() {
  local pid="$1" want="$2"
  kill -0 "$pid" 2>/dev/null || return 1
  [[ -z "$want" ]] && return 0
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$want"
}

declare -A PIDS=()
for pidfile in "$DIR"/pids/*.pid; do
  [[ -e "$pidfile" ]] || continue
  name="$(basename "$pidfile" .pid)"
  pid="$(cat "$pidfile" 2>/dev/null || true)"
  if [[ "$pid" =~ ^[0-9]+$ ]] && ours "$pid" "$(expected "$name")"; then
    PIDS[$name]="$pid"
  else
    log "$name: not running"
    rm -f "$pidfile"
  fi
done

# alive PID: running and not a zombie (a child of a still-running start.sh
# stays a zombie until start.sh exits).
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  local state
  state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || true)"
  [[ "$state" != Z ]]
}

# stop_group NAME...: SIGTERM, wait up to TIMEOUT, then SIGKILL.
stop_group() {
  local name start left
  for name in "$@"; do
    log "stopping $name (pid ${PIDS[$name]})"
    kill -TERM "${PIDS[$name]}" 2>/dev/null || true
  done
  start=$SECONDS
  while :; do
    left=()
    for name in "$@"; do
      alive "${PIDS[$name]}" && left+=("$name")
    done
    [[ ${#left[@]} -eq 0 ]] && return 0
    if ((SECONDS - start >= TIMEOUT)); then
      for name in "${left[@]}"; do
        log "$name (pid ${PIDS[$name]}) still alive after $TIMEOUT s: SIGKILL"
        kill -KILL "${PIDS[$name]}" 2>/dev/null || true
      done
      return 0
    fi
    sleep 0.1
  done
}

# The collector first, so that it can flush to the backends, then the rest.
order=()
rest=()
for name in "${!PIDS[@]}"; do
  [[ "$name" == collector ]] || rest+=("$name")
done
if [[ -n "${PIDS[collector]:-}" ]]; then
  stop_group collector
  order+=(collector)
fi
if [[ ${#rest[@]} -gt 0 ]]; then
  stop_group "${rest[@]}"
  order+=("${rest[@]}")
fi

for name in "${order[@]}"; do
  rm -f "$DIR/pids/$name.pid"
done
log "stopped: ${order[*]:-nothing was running}"
