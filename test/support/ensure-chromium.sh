#!/bin/sh
# The browser tests drive an installed Chromium or Chrome (never a browser download);
# test/support/browser.ts holds the list of places it looks. A fresh Debian machine where the
# tests run as root (CI) lacks one, so the test command installs Debian's chromium there, once.
# Anywhere else it stops before the long run, saying exactly what to install.
cd "$(dirname "$0")/../.." || exit 1
find_browser() { node -r ts-node/register/transpile-only test/support/browser.ts; }
find_browser 2>/dev/null && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: no browser found; installing Debian's chromium for the browser tests (once)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
exec node -r ts-node/register/transpile-only test/support/browser.ts
