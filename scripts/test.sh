#!/usr/bin/env bash
# `make test`: every check, against a real running bot. Stops at the first failing step; pass or
# fail, it ends with the list of every test that was skipped and why.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
ACCEPTANCE_DIR="${ACCEPTANCE_DIR:-$ROOT/../shared/acceptance}"
# Each pytest stage writes REPORTS/<stage>.xml; other steps note their skips in skipped.txt.
REPORTS="$ROOT/var/test-reports"
rm -rf "$REPORTS"
mkdir -p "$REPORTS"
# `make test` installed Chromium (scripts/system_setup.sh): a browser test that cannot start it
# fails here instead of skipping (tests/browser/conftest.py).
export REQUIRE_BROWSER=1

current=""
step() { current="$*"; printf '\n==> %s\n' "$*"; }

pytest_stage() {
  # pytest_stage NAME PYTEST_ARGS...: one pytest run that must pass and must run tests. pytest
  # exits with 5 when it collects nothing, and with 0 when every test it collected skipped:
  # for a stage of `make test` both mean the checks it exists for did not happen.
  local name="$1" rc=0
  shift
  "$PY" -m pytest -q -rs --junitxml="$REPORTS/$name.xml" "$@" || rc=$?
  if [ "$rc" = 5 ]; then
    echo "error: stage '$name' collected no tests (pytest $*)" >&2
    return 1
  fi
  [ "$rc" = 0 ] || return "$rc"
  "$PY" -m bot.devtools.stages ran "$REPORTS/$name.xml"
}

note_skip() { echo "$1: $2" >>"$REPORTS/skipped.txt"; }

bot_started=0 scale_started=0
finish() {
  local rc=$?
  [ "$bot_started" = 0 ] || "$ROOT/scripts/serve.sh" stop || true
  [ "$scale_started" = 0 ] || "$ROOT/scripts/scale_demo.sh" stop || true
  printf '\n==> Skipped tests\n'
  "$PY" -m bot.devtools.stages summary "$REPORTS" || true
  echo
  if [ "$rc" = 0 ]; then
    echo "All checks passed."
  else
    echo "make test FAILED at: $current (exit status $rc; the error is above)" >&2
  fi
}
trap finish EXIT

step "Validating data, domain and province rules"
"$ROOT/scripts/validate.sh"

step "Unit tests"
# PostgreSQL tests run in their own stage below, on the scale-out demo's database.
pytest_stage unit -m "not live and not faults and not scale and not postgres" tests

step "Starting the bot (action server + Rasa) for live tests"
# Tests run on their own ports and databases so a `make run` bot on 5005 is left alone. The
# ports are drawn free at run time (bot/devtools/ports.py): fixed ones meet whatever else runs
# on this machine, e.g. another checkout's tests.
_ports="$("$PY" -m bot.devtools.ports 2)" || { echo "error: could not find free ports for the test bot" >&2; exit 1; }
read -r _rasa_port _action_port <<<"$_ports"
export RASA_PORT="${TEST_RASA_PORT:-$_rasa_port}" ACTION_SERVER_PORT="${TEST_ACTION_PORT:-$_action_port}"
export ACTION_ENDPOINT_URL="http://127.0.0.1:$ACTION_SERVER_PORT/webhook"
export TRACKER_DB_URL="sqlite:///$ROOT/var/test-tracker.db"
rm -f "$ROOT/var/test-tracker.db"
# Ratings posted by the live tests go to a throwaway rules database, not var/rules.db.
export RULES_DB_URL="sqlite:///$ROOT/var/test-rules.db"
rm -f "$ROOT/var/test-rules.db"
"$PY" -m bot.rules load >/dev/null
export AGENT_ASSIST_TOKEN="${AGENT_ASSIST_TOKEN:-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(24))')}"
bot_started=1
"$ROOT/scripts/serve.sh" start
export BOT_URL="http://127.0.0.1:$RASA_PORT"

step "Live tests (HTTP, bad input, conversations, browser)"
pytest_stage live -m live tests

step "Test stories (rasa test --fail-on-prediction-errors)"
"$RASA" test core --model "$MODEL" --stories tests/stories --endpoints endpoints.yml \
  --out var/rasa-test --fail-on-prediction-errors --quiet

if [ -d "$ACCEPTANCE_DIR" ]; then
  step "Acceptance sample ($ACCEPTANCE_DIR)"
  "$PY" -m bot.devtools.acceptance "$BOT_URL" "$ACCEPTANCE_DIR"
else
  step "Acceptance sample skipped: $ACCEPTANCE_DIR not found"
  note_skip acceptance "the shared acceptance sample $ACCEPTANCE_DIR was not found"
fi
# The next steps start bots of their own; free the cores this one holds.
"$ROOT/scripts/serve.sh" stop
bot_started=0

step "Fault tests (own bots: action server, rules database, restart, tracker store down)"
pytest_stage faults -m faults tests

step "Scale-out: 2 Rasa instances behind nginx, shared PostgreSQL and Redis"
scale_started=1
# Free ports of its own too (the demo's fixed defaults are for people running it by hand).
_ports="$("$PY" -m bot.devtools.ports 6)" || { echo "error: could not find free ports for the scale demo" >&2; exit 1; }
read -r _r1 _r2 _act _nginx _pg _redis <<<"$_ports"
export SCALE_RASA_PORTS="${SCALE_RASA_PORTS:-$_r1 $_r2}" SCALE_ACTION_PORT="${SCALE_ACTION_PORT:-$_act}" \
  SCALE_NGINX_PORT="${SCALE_NGINX_PORT:-$_nginx}" SCALE_PG_PORT="${SCALE_PG_PORT:-$_pg}" \
  SCALE_REDIS_PORT="${SCALE_REDIS_PORT:-$_redis}"
"$ROOT/scripts/scale_demo.sh" start
eval "$("$ROOT/scripts/scale_demo.sh" env)"
pytest_stage scale -m scale tests
# The handoff loop in Chromium through nginx: the widget's websocket on one instance, the
# console's API calls round robin over both (replies reach the widget through Redis).
BOT_URL="$SCALE_URL" AGENT_ASSIST_TOKEN="$SCALE_AGENT_TOKEN" \
  pytest_stage scale-browser tests/browser/test_handoff.py \
  "tests/browser/test_help_page.py::test_the_widget_uses_a_websocket_and_no_long_polling"

step "Rules store on the demo's PostgreSQL (drops and reloads the rules tables)"
RULES_TEST_PG_URL="$SCALE_DB_URL" pytest_stage postgres -m postgres tests/bot/rules
"$ROOT/scripts/scale_demo.sh" stop
scale_started=0
