#!/usr/bin/env bash
# Installs the help page's chat widget (web/package-lock.json) with npm, only when the lock file
# changed since the last install. Nothing is fetched at page load: the Rasa server serves the
# installed files (bot/channels/web.py).
set -euo pipefail
source "$(dirname "$0")/env.sh"
WEB="$ROOT/web"

for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    cat >&2 <<MSG
error: '$tool' is required to install the help page's chat widget but was not found.
  Install Node.js 18 or later with npm (Debian/Ubuntu: apt-get install -y nodejs npm),
  then run scripts/web_setup.sh again.
MSG
    exit 1
  fi
done

stamp="$WEB/node_modules/.installed-$(sha256sum "$WEB/package-lock.json" | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "Installing the help page's chat widget (npm ci)..."
  # --ignore-scripts: the widget ships prebuilt; none of its ~600 dependencies needs to run code
  # at install time.
  (cd "$WEB" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
  touch "$stamp"
fi
