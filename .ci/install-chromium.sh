#!/usr/bin/env bash
# Installs Debian's Chromium for the HTML report tests (packages/report), only if it is missing.
# Idempotent: a machine that has /usr/bin/chromium is left as it is. Playwright's own browser
# download does not work here; the tests drive this Chromium through playwright-core.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo present) (already installed)"
  exit 0
fi

sudo=''
if [ "$(id -u)" -ne 0 ]; then
  sudo='sudo'
fi

export DEBIAN_FRONTEND=noninteractive
for attempt in 1 2 3; do
  if $sudo apt-get update -qq && $sudo apt-get install -y -qq chromium >/dev/null; then
    break
  fi
  if [ "$attempt" -eq 3 ]; then
    echo "chromium: apt-get failed three times" >&2
    exit 1
  fi
  sleep $((attempt * 5))
done

if [ ! -x /usr/bin/chromium ]; then
  echo "chromium: installed, but /usr/bin/chromium is missing" >&2
  exit 1
fi
echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo installed)"
