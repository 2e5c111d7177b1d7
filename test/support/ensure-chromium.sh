#!/bin/sh
# The browser tests drive Debian's Chromium (never a browser download). A fresh machine lacks
# it, so the test command installs it first; elsewhere it says what to do instead.
set -e
[ -x /usr/bin/chromium ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: installing Debian's chromium for the browser tests (once)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
  exit 0
fi
echo "ensure-chromium: /usr/bin/chromium is missing; install Debian's chromium package (sudo apt-get install chromium)" >&2
exit 1
