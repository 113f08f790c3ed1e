#!/bin/sh
# Makes sure headless Chromium is there for the HTML-report test (test/checks/sla-report-html.test.ts).
# Idempotent: does nothing when /usr/bin/chromium exists. Installs Debian's `chromium` package only
# when running as root (CI containers, fresh dev machines); otherwise says what to run and exits 0,
# and the test that needs it reports itself as skipped with the same hint.
set -eu

CHROMIUM=${CHROMIUM_BIN:-/usr/bin/chromium}
if [ -x "$CHROMIUM" ]; then
  exit 0
fi

if [ "$(id -u)" != "0" ]; then
  echo "ensure-chromium: $CHROMIUM is missing and we are not root; install it with: sudo apt-get install -y chromium" >&2
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: $CHROMIUM is missing and this is not a Debian/Ubuntu system; install Chromium and set CHROMIUM_BIN" >&2
  exit 0
fi

# One installer at a time: test workers and npm hooks may call this concurrently.
exec 9>/tmp/ensure-chromium.lock
flock 9
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
echo "ensure-chromium: installing Debian's chromium package (once)…" >&2
DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >&2
echo "ensure-chromium: $("$CHROMIUM" --version 2>/dev/null || echo installed)" >&2
