#!/usr/bin/env bash
# Trains the model when its inputs (config, domain, data, NLU components) changed.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"

fingerprint="$(find config.yml domain data bot/nlu -type f \( -name '*.yml' -o -name '*.py' -o -name '*.txt' \) \
  -not -path '*/__pycache__/*' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)"
stamp="$ROOT/models/.fingerprint"
if [ -f "$MODEL" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$fingerprint" ] && [ "${FORCE_TRAIN:-0}" != 1 ]; then
  echo "Model is up to date ($MODEL)."
  exit 0
fi
echo "Training the model..."
"$RASA" train --config config.yml --domain domain --data data/nlu data/rules \
  --out models --fixed-model-name icp-assistant --force --quiet
echo "$fingerprint" > "$stamp"
