#!/usr/bin/env bash
# `make test`: every check, against a real running bot. Fails on the first failing step.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
ACCEPTANCE_DIR="${ACCEPTANCE_DIR:-$ROOT/../shared/acceptance}"

step() { printf '\n==> %s\n' "$*"; }

step "Validating data, domain and province rules"
"$ROOT/scripts/validate.sh"

step "Unit tests"
"$PY" -m pytest -q -m "not live and not faults and not scale" tests

step "Starting the bot (action server + Rasa) for live tests"
# Tests run on their own ports and databases so a `make run` bot on 5005 is left alone.
export RASA_PORT="${TEST_RASA_PORT:-5105}" ACTION_SERVER_PORT="${TEST_ACTION_PORT:-5155}"
export ACTION_ENDPOINT_URL="http://127.0.0.1:$ACTION_SERVER_PORT/webhook"
export TRACKER_DB_URL="sqlite:///$ROOT/var/test-tracker.db"
rm -f "$ROOT/var/test-tracker.db"
# Ratings posted by the live tests go to a throwaway rules database, not var/rules.db.
export RULES_DB_URL="sqlite:///$ROOT/var/test-rules.db"
rm -f "$ROOT/var/test-rules.db"
"$PY" -m bot.rules load >/dev/null
export AGENT_ASSIST_TOKEN="${AGENT_ASSIST_TOKEN:-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(24))')}"
trap '"$ROOT/scripts/serve.sh" stop' EXIT
"$ROOT/scripts/serve.sh" start
export BOT_URL="http://127.0.0.1:$RASA_PORT"

step "Live tests (HTTP, bad input, conversations)"
"$PY" -m pytest -q -m live tests

step "Test stories (rasa test --fail-on-prediction-errors)"
"$RASA" test core --model "$MODEL" --stories tests/stories --endpoints endpoints.yml \
  --out var/rasa-test --fail-on-prediction-errors --quiet

if [ -d "$ACCEPTANCE_DIR" ]; then
  step "Acceptance sample ($ACCEPTANCE_DIR)"
  "$PY" -m bot.devtools.acceptance "$BOT_URL" "$ACCEPTANCE_DIR"
else
  step "Acceptance sample skipped: $ACCEPTANCE_DIR not found"
fi
# The next steps start bots of their own; free the cores this one holds.
"$ROOT/scripts/serve.sh" stop

step "Fault tests (own bots: action server, rules database, restart, tracker store down)"
"$PY" -m pytest -q -m faults tests

step "Scale-out: 2 Rasa instances behind nginx, shared PostgreSQL and Redis"
trap '"$ROOT/scripts/scale_demo.sh" stop' EXIT
"$ROOT/scripts/scale_demo.sh" start
(eval "$("$ROOT/scripts/scale_demo.sh" env)" && "$PY" -m pytest -q -m scale tests \
  && step "Rules store on the demo's PostgreSQL (drops and reloads the rules tables)" \
  && RULES_TEST_PG_URL="$SCALE_DB_URL" "$PY" -m pytest -q -m postgres tests/bot/rules)
"$ROOT/scripts/scale_demo.sh" stop
echo
echo "All checks passed."
