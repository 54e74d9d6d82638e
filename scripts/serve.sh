#!/usr/bin/env bash
# Starts the action server and the Rasa server.
#   serve.sh run     foreground; Ctrl-C stops both cleanly (make run)
#   serve.sh start   background; waits until the bot answers, pids in var/ (make test)
#   serve.sh stop    stops what `start` started
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
mode="${1:-run}"
LOGS="$ROOT/var/log"; mkdir -p "$LOGS"

stop_pidfile() {
  local f="$1"
  if [ -f "$f" ]; then
    local pid; pid="$(cat "$f")"
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
  fi
}

if [ "$mode" = stop ]; then
  stop_pidfile "$ROOT/var/rasa.pid"
  stop_pidfile "$ROOT/var/actions.pid"
  exit 0
fi

start_actions() {
  "$PY" -m bot.action_server --port "$ACTION_SERVER_PORT" "$@"
}
start_rasa() {
  "$RASA" run --model "$MODEL" --port "$RASA_PORT" --credentials credentials.yml \
    --endpoints endpoints.yml "$@"
}

wait_ready() {
  # Ready = the REST channel answers a real message (model loaded, actions reachable).
  local deadline=$((SECONDS + ${READY_TIMEOUT:-180}))
  until curl -sf -m 5 -X POST "http://127.0.0.1:$RASA_PORT/webhooks/rest/webhook" \
      -H 'Content-Type: application/json' -d '{"sender":"readiness-probe","message":"hi"}' \
      | grep -q text; do
    if [ $SECONDS -ge $deadline ]; then
      echo "error: the bot did not answer within ${READY_TIMEOUT:-180}s; see $LOGS" >&2
      return 1
    fi
    if ! kill -0 "$1" 2>/dev/null; then
      echo "error: Rasa exited during startup; see $LOGS/rasa.log" >&2; tail -20 "$LOGS/rasa.log" >&2
      return 1
    fi
    sleep 1
  done
}

if [ "$mode" = start ]; then
  "$0" stop
  start_actions >"$LOGS/actions.log" 2>&1 & echo $! >"$ROOT/var/actions.pid"
  start_rasa >"$LOGS/rasa.log" 2>&1 & echo $! >"$ROOT/var/rasa.pid"
  wait_ready "$(cat "$ROOT/var/rasa.pid")"
  echo "Bot is up on http://localhost:$RASA_PORT"
  exit 0
fi

# Foreground: both children in our process group; Ctrl-C / TERM stops both.
start_actions & actions_pid=$!
start_rasa & rasa_pid=$!
cleanup() {
  trap - INT TERM EXIT
  kill -TERM "$rasa_pid" "$actions_pid" 2>/dev/null || true
  wait "$rasa_pid" "$actions_pid" 2>/dev/null || true
  echo "Stopped."
}
trap cleanup INT TERM EXIT
( wait_ready "$rasa_pid" && echo "
  ICP Filing help assistant is ready on http://localhost:$RASA_PORT
  REST: POST http://localhost:$RASA_PORT/webhooks/rest/webhook  {\"sender\": \"me\", \"message\": \"hi\"}
  Press Ctrl-C to stop.
" ) &
wait -n "$rasa_pid" "$actions_pid" || true
