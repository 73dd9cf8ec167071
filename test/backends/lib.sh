# shellcheck shell=bash
# shellcheck disable=SC2034 # the pins are used by the scripts that source this file
# Shared pins and paths for test/backends/{build,start,stop}.sh. Sourced, not run.
#
# Versions are pinned here and only here. Binaries live OUTSIDE the checkout,
# keyed by version:
#   ${WORKBENCH_BACKENDS_CACHE:-$HOME/.cache/llm-workbench/backends}/<name>-<version>/<binary>

BACKENDS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$BACKENDS_DIR/../.." && pwd)"
CONFIG_DIR="$REPO_ROOT/collector-config/test-stack"
BACKENDS_CACHE="${WORKBENCH_BACKENDS_CACHE:-$HOME/.cache/llm-workbench/backends}"

# Jaeger v2 all-in-one. The module path has no /v2, so v2.x tags cannot be
# named to the go command; the Go module proxy reachable here serves
# v1.76.0 of the module, which is the very commit tagged v2.13.0
# (63b27e1810a7, 2025-12-03). Pseudo-versions of later commits (v2.19.0,
# v2.20.0) are refused by the proxy here ("This module version is not
# available"), see collector-config/test-stack/README.md.
JAEGER_MODULE="github.com/jaegertracing/jaeger"
JAEGER_MODULE_VERSION="v1.76.0"
JAEGER_RELEASE="v2.13.0"
JAEGER_COMMIT="63b27e1810a710ac54dc4522da0538e540bdc545"
JAEGER_COMMIT_DATE="2025-12-03T16:07:08Z"
JAEGER_BIN="$BACKENDS_CACHE/jaeger-$JAEGER_RELEASE/jaeger"

# OpenTelemetry Collector Builder and the collector it builds from
# collector-config/test-stack/builder-config.yaml. The collector's cache key includes a
# hash of the manifest, so editing the manifest triggers a rebuild.
OCB_VERSION="v0.159.0"
OCB_BIN="$BACKENDS_CACHE/ocb-$OCB_VERSION/builder"
COLLECTOR_MANIFEST="$CONFIG_DIR/builder-config.yaml"

# The second collector, otelcol-workbench-zipkin, the one that feeds Zipkin:
# the contrib zipkin exporter is served here only at v0.148.0, and contrib
# must match the core release, so it is built whole at that release by its
# own ocb from collector-config/test-stack/builder-config-zipkin.yaml (key:
# version and manifest hash, like the first one).
OCB_ZIPKIN_VERSION="v0.148.0"
OCB_ZIPKIN_BIN="$BACKENDS_CACHE/ocb-$OCB_ZIPKIN_VERSION/builder"
COLLECTOR_ZIPKIN_MANIFEST="$CONFIG_DIR/builder-config-zipkin.yaml"

# SeaweedFS (Apache-2.0), the S3-compatible server the S3 sink is tested
# against (MinIO's server is AGPL: never). The proxy serves no tags of the
# module, only pseudo-versions; this one is the commit of 2026-11-09 (weed
# 4.53). Its go.mod has one replace (tyler-smith/go-bip39 => cosmos/go-bip39),
# so the weed command is built through a wrapper module like Jaeger's.
SEAWEEDFS_MODULE="github.com/seaweedfs/seaweedfs"
SEAWEEDFS_MODULE_VERSION="v0.0.0-20261109003541-7506e5f91cd6"
SEAWEEDFS_COMMIT="7506e5f91cd6"
SEAWEEDFS_BIN="$BACKENDS_CACHE/seaweedfs-$SEAWEEDFS_MODULE_VERSION/weed"

# Zipkin (Apache-2.0) is a Java server: its exec jar comes from Maven Central
# through the ordinary mvn client, and runs with the machine's Java 17.
ZIPKIN_VERSION="3.6.1"
ZIPKIN_DIR="${WORKBENCH_ZIPKIN_CACHE:-$HOME/.cache/llm-workbench/zipkin-$ZIPKIN_VERSION}"
ZIPKIN_JAR="$ZIPKIN_DIR/zipkin-server-$ZIPKIN_VERSION-exec.jar"

collector_manifest_hash() {
  sha256sum "$COLLECTOR_MANIFEST" | cut -c1-12
}

collector_bin() {
  echo "$BACKENDS_CACHE/otelcol-workbench-${OCB_VERSION#v}-$(collector_manifest_hash)/otelcol-workbench"
}

collector_zipkin_manifest_hash() {
  sha256sum "$COLLECTOR_ZIPKIN_MANIFEST" | cut -c1-12
}

collector_zipkin_bin() {
  echo "$BACKENDS_CACHE/otelcol-workbench-zipkin-${OCB_ZIPKIN_VERSION#v}-$(collector_zipkin_manifest_hash)/otelcol-workbench-zipkin"
}

find_go() {
  if [[ -n "${GO:-}" ]]; then
    echo "$GO"
  elif command -v go >/dev/null 2>&1; then
    command -v go
  elif [[ -x /usr/local/go/bin/go ]]; then
    echo /usr/local/go/bin/go
  else
    echo "error: the go command was not found (set GO=/path/to/go or put go on PATH)" >&2
    return 1
  fi
}

log() { printf '[backends] %s\n' "$*" >&2; }
die() { printf '[backends] error: %s\n' "$*" >&2; exit 1; }
