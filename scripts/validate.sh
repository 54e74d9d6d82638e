#!/usr/bin/env bash
# Training data, domain and config must validate with no unexplained warnings (see
# bot/devtools/validation.py); the province rules file must validate too.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
"$PY" -m bot.rules validate
out="$(mktemp)"; trap 'rm -f "$out"' EXIT
# Not --fail-on-warnings: bot.devtools.validation fails on every warning it cannot explain
# (Rasa's flag would also fail on the expected ones, such as component-set intents).
if ! "$RASA" data validate --config config.yml --domain domain --data data/nlu data/rules \
    >"$out" 2>&1; then
  cat "$out" >&2
  echo "error: rasa data validate failed" >&2
  exit 1
fi
"$PY" -m bot.devtools.validation <"$out"
