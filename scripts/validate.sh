#!/usr/bin/env bash
# Training data, domain and config must validate with no unexplained warnings (see
# bot/devtools/validation.py); the province rules file must validate too.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
"$PY" -m bot.rules validate
out="$(mktemp)"; trap 'rm -f "$out"' EXIT
if ! "$RASA" data validate --config config.yml --domain domain --data data/nlu data/rules \
    --fail-on-warnings >"$out" 2>&1; then
  cat "$out" >&2
  echo "error: rasa data validate failed" >&2
  exit 1
fi
"$PY" -m bot.devtools.validation <"$out"
