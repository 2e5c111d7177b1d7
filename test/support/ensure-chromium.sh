#!/bin/sh
# The dashboard's browser tests drive an installed Chromium or Chrome (never a download, never an
# install from here). Stop before the long run when there is none, saying exactly what to install;
# test/support/browser.ts holds the list of places it looks.
cd "$(dirname "$0")/../.." && exec node -r ts-node/register/transpile-only test/support/browser.ts
