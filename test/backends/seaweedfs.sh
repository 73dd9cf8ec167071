#!/usr/bin/env bash
# Starts or stops SeaweedFS (master, volume server, filer and S3 gateway in one `weed server`
# process), the S3-compatible server the S3 sink is tested against. Everything binds 127.0.0.1;
# data lives in DIR (a temp folder of the test), so a stop and a start keep the buckets.
#
# Usage: test/backends/seaweedfs.sh start DIR     builds weed if missing (build.sh seaweedfs),
#                                                 starts it, returns once S3 answers
#        test/backends/seaweedfs.sh stop DIR      SIGTERM, then SIGKILL after 20 s (a clean stop
#                                                 takes weed about 15 s: its filer retries
#                                                 flushing a metadata log once the volume
#                                                 server is gone)
#        test/backends/seaweedfs.sh kill DIR      SIGKILL at once (a crash; also the fast stop)
#
# DIR gets data/, logs/seaweedfs.log, pids/seaweedfs.pid, s3.json (the S3 identities) and
# seaweedfs.env (ports and endpoint, kept so that a restart listens where it did). Ports are
# free ones the OS gives, unless SEAWEEDFS_S3_PORT is set (then it and the seven ports after it).
#
# Environment:
#   WORKBENCH_S3_ACCESS_KEY / WORKBENCH_S3_SECRET_KEY   the one identity (default workbench /
#                                                        workbench-secret: a test server only)
#   WORKBENCH_BACKENDS_TIMEOUT                          seconds to wait for it (default 90)
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $# -eq 2 && ("$1" == start || "$1" == stop || "$1" == kill) && -n "$2" ]] ||
  die "usage: $0 start|stop|kill DIR"
ACTION="$1"
mkdir -p "$2"
DIR="$(cd "$2" && pwd)"
TIMEOUT="${WORKBENCH_BACKENDS_TIMEOUT:-90}"
PIDFILE="$DIR/pids/seaweedfs.pid"
LOG="$DIR/logs/seaweedfs.log"

stop() {
  [[ -f "$PIDFILE" ]] || return 0
  local pid start
  pid="$(cat "$PIDFILE")"
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill "-$1" "$pid" 2>/dev/null || true
    start=$SECONDS
    while kill -0 "$pid" 2>/dev/null; do
      if ((SECONDS - start >= 20)); then
        log "seaweedfs (pid $pid) still running after 20 s: SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        break
      fi
      sleep 0.2
    done
    log "seaweedfs stopped (pid $pid)"
  fi
  rm -f "$PIDFILE"
  # weed server puts one gRPC socket per service in /tmp, named by port (not configurable):
  # remove ours, which a SIGKILL leaves behind.
  if [[ -f "$DIR/seaweedfs.env" ]]; then
    # shellcheck disable=SC1091 # written by start
    source "$DIR/seaweedfs.env"
    rm -f "/tmp/seaweedfs-master-grpc-$MASTER_GRPC_PORT.sock" \
      "/tmp/seaweedfs-volume-grpc-$VOLUME_GRPC_PORT.sock" \
      "/tmp/seaweedfs-filer-grpc-$FILER_GRPC_PORT.sock" \
      "/tmp/seaweedfs-s3-grpc-$S3_GRPC_PORT.sock"
  fi
}

if [[ "$ACTION" == stop || "$ACTION" == kill ]]; then
  stop "$([[ "$ACTION" == stop ]] && echo TERM || echo KILL)"
  exit 0
fi

mkdir -p "$DIR"/{data,logs,pids}
if [[ -f "$PIDFILE" ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
  die "seaweedfs is already running (pid $(cat "$PIDFILE")); stop it first: $0 stop $DIR"
fi

"$BACKENDS_DIR/build.sh" seaweedfs

# Ports: those of the last start in this DIR, else SEAWEEDFS_S3_PORT.., else free ones.
if [[ ! -f "$DIR/seaweedfs.env" ]]; then
  if [[ -n "${SEAWEEDFS_S3_PORT:-}" ]]; then
    ports=()
    for i in 0 1 2 3 4 5 6 7; do ports+=($((SEAWEEDFS_S3_PORT + i))); done
  else
    # Eight ports the OS says are free now (node is there: the project needs it).
    read -r -a ports <<<"$(node -e '
      const net = require("node:net");
      const servers = Array.from({ length: 8 }, () => net.createServer());
      Promise.all(servers.map((s) => new Promise((r) => s.listen(0, "127.0.0.1", () => r(s.address().port)))))
        .then((ports) => { console.log(ports.join(" ")); servers.forEach((s) => s.close()); });
    ')"
  fi
  [[ ${#ports[@]} -eq 8 ]] || die "could not find 8 free ports"
  cat >"$DIR/seaweedfs.env" <<EOF
S3_PORT=${ports[0]}
MASTER_PORT=${ports[1]}
MASTER_GRPC_PORT=${ports[2]}
VOLUME_PORT=${ports[3]}
VOLUME_GRPC_PORT=${ports[4]}
FILER_PORT=${ports[5]}
FILER_GRPC_PORT=${ports[6]}
S3_GRPC_PORT=${ports[7]}
S3_ENDPOINT=http://127.0.0.1:${ports[0]}
EOF
fi
# shellcheck disable=SC1091 # written just above
source "$DIR/seaweedfs.env"

# The S3 identities: one with every action, so the AWS SDK signs with these keys. A file of
# the test's own, never a real credential.
ACCESS_KEY="${WORKBENCH_S3_ACCESS_KEY:-workbench}"
SECRET_KEY="${WORKBENCH_S3_SECRET_KEY:-workbench-secret}"
(
  umask 077
  cat >"$DIR/s3.json" <<EOF
{
  "identities": [
    {
      "name": "workbench",
      "credentials": [{ "accessKey": "$ACCESS_KEY", "secretKey": "$SECRET_KEY" }],
      "actions": ["Admin", "Read", "Write", "List", "Tagging"]
    }
  ]
}
EOF
)

# -master.telemetry=false: the default reports to the project's server, which is neither
# reachable nor wanted from a test. The Iceberg and Lance endpoints of the S3 gateway are off.
# -s3.autoCreateBucket=false: a put into a missing bucket fails, as on AWS (weed's default
# creates it for an admin identity).
# -volume.preStopSeconds=0: no 10 s wait on SIGTERM (a cluster's grace for its heartbeats).
log "starting seaweedfs: S3 on $S3_ENDPOINT, data in $DIR/data"
"$SEAWEEDFS_BIN" server \
  -ip=127.0.0.1 -ip.bind=127.0.0.1 -dir="$DIR/data" \
  -master.port="$MASTER_PORT" -master.port.grpc="$MASTER_GRPC_PORT" \
  -master.telemetry=false -master.volumeSizeLimitMB=64 \
  -volume.port="$VOLUME_PORT" -volume.port.grpc="$VOLUME_GRPC_PORT" -volume.max=16 \
  -volume.preStopSeconds=0 \
  -filer -filer.port="$FILER_PORT" -filer.port.grpc="$FILER_GRPC_PORT" \
  -filer.localSocket="$DIR/filer.sock" \
  -s3 -s3.port="$S3_PORT" -s3.port.grpc="$S3_GRPC_PORT" -s3.port.iceberg=0 -s3.port.lance=0 \
  -s3.localSocket="$DIR/s3.sock" \
  -s3.config="$DIR/s3.json" -s3.autoCreateBucket=false \
  >>"$LOG" 2>&1 </dev/null &
echo $! >"$PIDFILE"
pid=$!

# Up once the master hands out a file id (a volume server registered), the filer answers, and
# the S3 gateway answers (an anonymous request gets 403: any status will do).
start=$SECONDS
ready() {
  curl -sf -m 2 -o /dev/null "http://127.0.0.1:$MASTER_PORT/dir/assign" &&
    curl -s -m 2 -o /dev/null "http://127.0.0.1:$FILER_PORT/" &&
    [[ "$(curl -s -m 2 -o /dev/null -w '%{http_code}' "$S3_ENDPOINT/" || true)" =~ ^[1-5][0-9][0-9]$ ]]
}
until ready; do
  if ! kill -0 "$pid" 2>/dev/null; then
    log "error: seaweedfs exited before answering; last lines of $LOG:"
    tail -n 40 "$LOG" >&2 || true
    rm -f "$PIDFILE"
    exit 1
  fi
  if ((SECONDS - start >= TIMEOUT)); then
    log "error: seaweedfs did not answer within $TIMEOUT s; last lines of $LOG:"
    tail -n 40 "$LOG" >&2 || true
    stop KILL
    exit 1
  fi
  sleep 0.2
done
log "seaweedfs is up after $((SECONDS - start)) s (pid $pid): S3 at $S3_ENDPOINT"
echo "$S3_ENDPOINT"
