#!/usr/bin/env bash
# Creates the Python 3.10 venv and installs the pinned dependencies (only when the lock file
# changed since the last install).
set -euo pipefail
source "$(dirname "$0")/env.sh"

find_python310() {
  local c
  for c in "${PYTHON:-}" python3.10 "$HOME"/.pyenv/versions/3.10*/bin/python3.10 \
           /usr/local/bin/python3.10 /usr/bin/python3.10; do
    if [ -n "$c" ] && "$c" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
      echo "$c"; return 0
    fi
  done
  return 1
}

if [ ! -x "$PY" ]; then
  if ! PY310="$(find_python310)"; then
    cat >&2 <<'MSG'
error: Python 3.10 is required but was not found.
  Rasa 3.6 (the last open-source Rasa) runs on Python 3.8-3.10 only.
  Install it (e.g. `pyenv install 3.10`, or your OS package python3.10 with venv support)
  or point to it: make run PYTHON=/path/to/python3.10
MSG
    exit 1
  fi
  echo "Creating $VENV with $PY310"
  "$PY310" -m venv "$VENV"
fi

stamp="$VENV/.installed-$(sha256sum "$ROOT/requirements.lock" | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "Installing pinned dependencies (first run takes a few minutes)..."
  "$PY" -m pip install --quiet --upgrade pip wheel
  "$PY" -m pip install --quiet -r "$ROOT/requirements.lock"
  rm -f "$VENV"/.installed-*
  touch "$stamp"
fi
