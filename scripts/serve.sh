#!/usr/bin/env bash
# Starts the action server and the Rasa server.
#   serve.sh run     foreground; restarts a process that dies (with backoff); Ctrl-C stops both
#                    cleanly (make run)
#   serve.sh start   background; waits until the bot answers, pids in var/ (make test)
#   serve.sh stop    stops what `start` started
# Rasa's HTTP API stays off unless RASA_ENABLE_API=1, which requires RASA_AUTH_TOKEN.
# CORS_ORIGINS (comma-separated exact origins, default none) allows cross-origin browsers.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
mode="${1:-run}"
LOGS="$ROOT/var/log"; mkdir -p "$LOGS"

# Retention (RETENTION_DAYS): `run` first deletes old conversations and feedback (bot/stores/purge.py).
if [ "$mode" = run ]; then "$PY" -m bot.stores.purge || echo "warning: purge failed; serving anyway" >&2; fi

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

# Pid files per port, so several bots (make run, make test, a helper's) can run side by side.
RASA_PID="$ROOT/var/rasa-$RASA_PORT.pid"
ACTIONS_PID="$ROOT/var/actions-$ACTION_SERVER_PORT.pid"
if [ "$mode" = stop ]; then
  stop_pidfile "$RASA_PID"
  stop_pidfile "$ACTIONS_PID"
  exit 0
fi

# Agent assist needs a token: AGENT_ASSIST_TOKEN, or a generated local one in var/.
source "$ROOT/scripts/agent_token.sh"

rasa_options=()
if [ "$mode" != stop ]; then
  if [ "${RASA_ENABLE_API:-0}" = 1 ]; then
    if [ -z "${RASA_AUTH_TOKEN:-}" ]; then
      echo "error: RASA_ENABLE_API=1 needs RASA_AUTH_TOKEN (the API gives full access to every conversation)" >&2
      exit 1
    fi
    # "=" keeps a token that starts with "-" (token_urlsafe can) from reading as an option.
    rasa_options+=(--enable-api "--auth-token=$RASA_AUTH_TOKEN")
  fi
  if [ -n "${CORS_ORIGINS:-}" ]; then
    # Escaped, end-anchored patterns: sanic-cors prefix-matches regexes (see bot/server/cors.py).
    cors_patterns="$("$PY" -m bot.server.cors "$CORS_ORIGINS")"
    mapfile -t cors_patterns <<<"$cors_patterns"
    rasa_options+=(--cors "${cors_patterns[@]}")
  fi
fi

start_actions() {
  exec "$PY" -m bot.server.action_server --port "$ACTION_SERVER_PORT" "$@"
}
start_rasa() {
  # bot.server.launch is `rasa` with serving fixes: no TensorFlow import for a model without a
  # TensorFlow component, and the Rasa patches of bot/server/patches.py (per-turn work Rasa
  # redid, the turn gate), each on the Rasa version it was written for (docs/benchmarks.md).
  # BOT_PLAIN_RASA=1: Rasa's own entry point, without those fixes (benchmark baseline; same
  # answers, /webhooks/health/ then reports no patches and the turn gate off).
  local launcher=("$PY" -m bot.server.launch)
  if [ "${BOT_PLAIN_RASA:-}" = 1 ]; then launcher=("$RASA"); fi
  exec "${launcher[@]}" run --model "$MODEL" --port "$RASA_PORT" --credentials "${CREDENTIALS:-credentials.yml}" \
    --endpoints "${ENDPOINTS:-endpoints.yml}" "${rasa_options[@]}" "$@"
}

wait_ready() {
  # Ready = the REST channel answers a real message (model loaded, actions reachable).
  # With several workers the port accepts connections before any worker has loaded the model:
  # the probe then waits for the first one instead of giving up and leaving a stale turn.
  local deadline=$((SECONDS + ${READY_TIMEOUT:-180}))
  until curl -sf -m 60 -X POST "http://127.0.0.1:$RASA_PORT/webhooks/rest/webhook" \
      -H 'Content-Type: application/json' -d '{"sender":"readiness-probe","message":"hi"}' \
      | grep -q text; do
    if [ $SECONDS -ge $deadline ]; then
      echo "error: the bot did not answer within ${READY_TIMEOUT:-180}s; see $LOGS" >&2
      return 1
    fi
    if ! kill -0 "$1" 2>/dev/null; then
      echo "error: Rasa exited during startup; see $LOGS/rasa-$RASA_PORT.log" >&2; tail -20 "$LOGS/rasa-$RASA_PORT.log" >&2
      return 1
    fi
    sleep 1
  done
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in "$RASA_PORT" "$ACTION_SERVER_PORT"; do
  if [ "$mode" != stop ] && port_busy "$port" && { [ "$mode" = run ] || [ ! -f "$RASA_PID" ]; }; then
    echo "error: port $port is already in use (another bot running? stop it first)" >&2
    exit 1
  fi
done

if [ "$mode" = start ]; then
  "$0" stop
  start_actions >"$LOGS/actions-$ACTION_SERVER_PORT.log" 2>&1 & echo $! >"$ACTIONS_PID"
  start_rasa >"$LOGS/rasa-$RASA_PORT.log" 2>&1 & echo $! >"$RASA_PID"
  wait_ready "$(cat "$RASA_PID")"
  echo "Bot is up on http://localhost:$RASA_PORT"
  exit 0
fi

# Foreground: both children in our process group; Ctrl-C / TERM stops both. A child that dies is
# started again after a pause that doubles with each quick death (1 s up to RESTART_MAX_DELAY,
# back to 1 s once it ran for a minute), logged on stderr; meanwhile Rasa answers with the general
# guidance when the action server is down (bot/channels/safety.py).
start_actions & actions_pid=$!; echo "$actions_pid" >"$ACTIONS_PID"
start_rasa & rasa_pid=$!; echo "$rasa_pid" >"$RASA_PID"
declare -A delay=([actions]=1 [rasa]=1) started=([actions]=$SECONDS [rasa]=$SECONDS)
stopping=0
cleanup() {
  trap - INT TERM EXIT
  stopping=1
  kill -TERM "$rasa_pid" "$actions_pid" 2>/dev/null || true
  wait "$rasa_pid" "$actions_pid" 2>/dev/null || true
  rm -f "$RASA_PID" "$ACTIONS_PID"
  echo "Stopped."
}
trap 'cleanup; exit 130' INT TERM
trap cleanup EXIT
log() { echo "serve.sh $(date '+%Y-%m-%d %H:%M:%S'): $*" >&2; }
restart() {  # name; sets the new pid in ${name}_pid
  local name="$1" label; label="$([ "$1" = actions ] && echo "action server" || echo "Rasa")"
  # A process that ran for a minute gets a fresh backoff; one that keeps dying waits longer.
  if (( SECONDS - started[$name] >= 60 )); then delay[$name]=1; fi
  log "$label exited (status $2); restarting in ${delay[$name]}s"
  sleep "${delay[$name]}" & wait $!  # `wait` so that Ctrl-C / TERM interrupt the pause
  if [ "$name" = actions ]; then
    start_actions & actions_pid=$!; echo "$actions_pid" >"$ACTIONS_PID"
  else
    start_rasa & rasa_pid=$!; echo "$rasa_pid" >"$RASA_PID"
  fi
  log "$label restarted (pid $([ "$name" = actions ] && echo "$actions_pid" || echo "$rasa_pid"))"
  started[$name]=$SECONDS
  delay[$name]=$(( delay[$name] * 2 > 30 ? 30 : delay[$name] * 2 ))
}
( wait_ready "$rasa_pid" && echo "
  ICP Filing help assistant is ready on http://localhost:$RASA_PORT
  REST: POST http://localhost:$RASA_PORT/webhooks/rest/webhook  {\"sender\": \"me\", \"message\": \"hi\"}
  Press Ctrl-C to stop.
" ) &
while [ "$stopping" = 0 ]; do
  exited=""; status=0
  wait -n -p exited "$rasa_pid" "$actions_pid" || status=$?
  [ "$stopping" = 0 ] || break
  if [ "$exited" = "$actions_pid" ]; then restart actions "$status"
  elif [ "$exited" = "$rasa_pid" ]; then restart rasa "$status"
  fi
done
