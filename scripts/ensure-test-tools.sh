#!/bin/sh
# Makes sure the programs the tests drive are there: headless Chromium (the HTML report and page
# tests), curl, jq and bash (test/docs/commands.test.ts runs the docs' commands with them), and a
# PostgreSQL server (the shared-store tests start throwaway clusters, test/support/postgres.ts).
# Idempotent: does nothing when they exist. Installs Debian's packages only when running as root
# (CI containers, fresh dev machines); otherwise says what to run and exits 0, and the tests that
# need a missing tool fail or skip saying so.
set -eu

CHROMIUM=${CHROMIUM_BIN:-/usr/bin/chromium}
missing=""
[ -x "$CHROMIUM" ] || missing="$missing chromium"
for tool in curl jq bash; do
  command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$missing postgresql"
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != "0" ]; then
  echo "ensure-test-tools: missing:$missing; install with: sudo apt-get install -y$missing" >&2
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-test-tools: missing:$missing, and this is not a Debian/Ubuntu system; install them (and set CHROMIUM_BIN)" >&2
  exit 0
fi

# One installer at a time: test workers and npm hooks may call this concurrently.
exec 9>/tmp/ensure-test-tools.lock
flock 9
echo "ensure-test-tools: installing Debian's packages:$missing (once)…" >&2
DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2
