#!/usr/bin/env bash
# Training data, domain and config must validate with no warnings; the province rules too.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
"$PY" -m bot.rules validate
"$RASA" data validate --config config.yml --domain domain --data data/nlu data/rules \
  --fail-on-warnings --quiet
