#!/usr/bin/env bash
# Scale-out demo: two Rasa instances behind nginx (round robin) with one action server, sharing
# PostgreSQL (conversations and province rules) and Redis (conversation locks, and the socket.io
# message queue: an agent's reply sent through one instance reaches a web chat user connected to
# the other). Everything runs on loopback from var/scale/ (data, configs, logs, pids); nothing is
# installed system-wide.
#   scale_demo.sh start   start it all (first run: new PostgreSQL cluster, rules loaded)
#   scale_demo.sh env     print the exports the scale tests need (SCALE_URL, SCALE_AGENT_TOKEN...)
#   scale_demo.sh stop    stop everything it started; the data stays for the next start
# Needs the Debian packages postgresql, redis-server, redis-tools, nginx and curl
# (scripts/system-packages.txt; `make system` installs them), and a trained model.
# Ports: SCALE_RASA_PORTS ("5405 5406"), SCALE_ACTION_PORT (5455), SCALE_NGINX_PORT (5480),
#        SCALE_PG_PORT (5433), SCALE_REDIS_PORT (6380).
# SCALE_LOCK_STORE=stock runs Rasa's own RedisLockStore instead of bot.stores.lock_redis, to
# reproduce its race between instances (RasaHQ/rasa#11256).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
mode="${1:-}"
# nginx lives in /usr/sbin, which is not on a non-root user's PATH on Debian.
PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

read -r -a RASA_PORTS <<<"${SCALE_RASA_PORTS:-5405 5406}"
ACTION_PORT="${SCALE_ACTION_PORT:-5455}"
NGINX_PORT="${SCALE_NGINX_PORT:-5480}"
PG_PORT="${SCALE_PG_PORT:-5433}"
REDIS_PORT="${SCALE_REDIS_PORT:-6380}"
LOCK_STORE="${SCALE_LOCK_STORE:-atomic}"

DEMO="$ROOT/var/scale"
LOGS="$DEMO/log"
RUN="$DEMO/run"
mkdir -p "$LOGS" "$RUN" "$DEMO/redis" "$DEMO/nginx/tmp"

any_alive() {
  local pid
  for pid in "$@"; do kill -0 "$pid" 2>/dev/null && return 0; done
  return 1
}

stop_pids() {
  # TERM everything at once (Rasa takes seconds to shut down), then KILL what is left after 10 s.
  local name pids=()
  for name in "$@"; do
    [ -f "$RUN/$name.pid" ] || continue
    pids+=("$(cat "$RUN/$name.pid")")
    rm -f "$RUN/$name.pid"
  done
  [ ${#pids[@]} -gt 0 ] || return 0
  kill -TERM "${pids[@]}" 2>/dev/null || true
  for _ in $(seq 1 50); do any_alive "${pids[@]}" || break; sleep 0.2; done
  kill -KILL "${pids[@]}" 2>/dev/null || true
}

stop_all() {
  local names=(nginx actions redis) port
  for port in "${RASA_PORTS[@]}"; do names+=("rasa-$port"); done
  stop_pids "${names[@]}"
  "$ROOT/scripts/pg_local.sh" stop "$DEMO/pg"
}

secret() {
  # A random secret kept in var/scale (mode 600), created on first use. Created under a
  # temporary name and hard-linked into place, which fails if the file exists: two callers at
  # once (background subshells) end up with the same secret, never one each.
  local f="$1" tmp
  if [ ! -s "$f" ]; then
    tmp="$f.$BASHPID.tmp"
    (umask 077; od -An -tx1 -N24 /dev/urandom | tr -d ' \n' >"$tmp")
    ln "$tmp" "$f" 2>/dev/null || true
    rm -f "$tmp"
  fi
  cat "$f"
}

redis_password() { secret "$DEMO/redis/password"; }
agent_token() { secret "$DEMO/agent-token"; }
tracker_url() { "$ROOT/scripts/pg_local.sh" url "$DEMO/pg" "$PG_PORT" tracker; }
rules_url() { "$ROOT/scripts/pg_local.sh" url "$DEMO/pg" "$PG_PORT" rules; }

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {
  # wait_for SECONDS WHAT COMMAND...: retries COMMAND once a second.
  local timeout="$1" what="$2"; shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then
      echo "error: $what is not up after ${timeout}s; logs in $LOGS" >&2
      return 1
    fi
    sleep 1
  done
}

answers() {
  curl -sf -m 10 -X POST "http://127.0.0.1:$1/webhooks/rest/webhook" \
    -H 'Content-Type: application/json' -d '{"sender":"scale-readiness","message":"hi"}' \
    | grep -q text
}

check_own_instance() {
  # A port answered by another server (a port taken between the free-port check and Rasa's
  # bind, which comes after loading the model) looks like a working instance with other
  # secrets: make sure the instance on the port is the process started here and takes this
  # demo's agent token.
  local port="$1" pid status
  pid="$(cat "$RUN/rasa-$port.pid")"
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "error: the Rasa started for port $port exited; its log ($LOGS/rasa-$port.log) ends:" >&2
    tail -20 "$LOGS/rasa-$port.log" >&2
    return 1
  fi
  status="$(curl -s -o /dev/null -w '%{http_code}' -m 10 \
    -H "Authorization: Bearer $(agent_token)" \
    "http://127.0.0.1:$port/webhooks/agent/conversations?status=waiting")"
  if [ "$status" != 200 ]; then
    echo "error: port $port is answered by a server that is not this demo's (agent API said" \
      "$status to the demo's token); stop it or set SCALE_RASA_PORTS" >&2
    # What listens there, against the pid started here.
    echo "the demo started pid $pid for port $port; listening on it now:" >&2
    ss -ltnp "sport = :$port" >&2 2>/dev/null || true
    return 1
  fi
}

start_redis() {
  # Locks are short-lived: no persistence. Loopback only, with a password.
  cat >"$DEMO/redis/redis.conf" <<EOF
bind 127.0.0.1
port $REDIS_PORT
protected-mode yes
requirepass $(redis_password)
save ""
appendonly no
dir $DEMO/redis
logfile $LOGS/redis.log
EOF
  chmod 600 "$DEMO/redis/redis.conf"
  redis-server "$DEMO/redis/redis.conf" >/dev/null 2>&1 & echo $! >"$RUN/redis.pid"
  wait_for 15 "redis-server" env REDISCLI_AUTH="$(redis_password)" \
    redis-cli -p "$REDIS_PORT" ping
}

write_stock_endpoints() {
  # Rasa's RedisLockStore takes host, port and password separately (no URL).
  cat >"$DEMO/endpoints-stock.yml" <<'EOF'
action_endpoint:
  url: ${ACTION_ENDPOINT_URL}
tracker_store:
  type: SQL
  url: ${TRACKER_DB_URL}
lock_store:
  type: redis
  url: 127.0.0.1
  port: ${SCALE_REDIS_PORT}
  password: ${SCALE_REDIS_PASSWORD}
  db: 0
EOF
}

start_actions() {
  RULES_DB_URL="$(rules_url)" "$PY" -m bot.server.action_server --port "$ACTION_PORT" \
    >"$LOGS/actions.log" 2>&1 & echo $! >"$RUN/actions.pid"
}

start_rasa() {
  # The secrets are read here, before the background job: the command substitutions of a
  # backgrounded command run in its subshell, and two instances starting at once on a fresh
  # checkout each created their own agent token, so one instance refused the other's (401).
  local port="$1" endpoints="endpoints.yml" token password tracker rules
  token="$(agent_token)"
  password="$(redis_password)"
  tracker="$(tracker_url)"
  rules="$(rules_url)"
  if [ "$LOCK_STORE" = stock ]; then
    write_stock_endpoints
    endpoints="$DEMO/endpoints-stock.yml"
  fi
  # Secrets go through the environment, never the command line (visible to every user).
  RASA_PORT="$port" \
  ACTION_ENDPOINT_URL="http://127.0.0.1:$ACTION_PORT/webhook" \
  TRACKER_DB_URL="$tracker" \
  RULES_DB_URL="$rules" \
  LOCK_STORE_URL="redis://:$password@127.0.0.1:$REDIS_PORT/0" \
  LOCK_STORE_TYPE="bot.stores.lock_redis.AtomicRedisLockStore" \
  SOCKETIO_REDIS_URL="redis://:$password@127.0.0.1:$REDIS_PORT/0" \
  AGENT_ASSIST_TOKEN="$token" \
  SCALE_REDIS_PORT="$REDIS_PORT" SCALE_REDIS_PASSWORD="$password" \
    "$RASA" run --model "$MODEL" --interface 127.0.0.1 --port "$port" \
      --credentials "${CREDENTIALS:-credentials.yml}" --endpoints "$endpoints" \
      >"$LOGS/rasa-$port.log" 2>&1 & echo $! >"$RUN/rasa-$port.pid"
}

start_nginx() {
  local servers="" port
  for port in "${RASA_PORTS[@]}"; do servers+="    server 127.0.0.1:$port;"$'\n'; done
  cat >"$DEMO/nginx/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $DEMO/nginx/nginx.pid;
error_log $LOGS/nginx-error.log warn;
events { worker_connections 256; }
http {
  log_format upstream '\$remote_addr [\$time_local] "\$request" \$status '
                      'upstream=\$upstream_addr \$request_time';
  access_log $LOGS/nginx-access.log upstream;
  client_body_temp_path $DEMO/nginx/tmp/body;
  proxy_temp_path $DEMO/nginx/tmp/proxy;
  fastcgi_temp_path $DEMO/nginx/tmp/fastcgi;
  uwsgi_temp_path $DEMO/nginx/tmp/uwsgi;
  scgi_temp_path $DEMO/nginx/tmp/scgi;

  # Round robin: consecutive requests of one conversation go to different instances; the
  # shared tracker store and lock store keep the conversation consistent.
  upstream rasa {
$servers  }

  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      proxy_pass http://rasa;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$http_host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_read_timeout 120s;
      add_header X-Upstream \$upstream_addr always;
    }
    # socket.io, round robin as well: the help page's widget uses websocket only, one
    # connection that stays with the instance that accepted it (long-polling clients would
    # need ip_hash here). Agents' replies reach it through Redis from either instance.
    location /socket.io/ {
      proxy_pass http://rasa;
      proxy_http_version 1.1;
      proxy_set_header Upgrade \$http_upgrade;
      proxy_set_header Connection "upgrade";
      proxy_set_header Host \$http_host;
      proxy_read_timeout 300s;
      add_header X-Upstream \$upstream_addr always;
    }
  }
}
EOF
  nginx -t -q -p "$DEMO/nginx" -e "$LOGS/nginx-error.log" -c "$DEMO/nginx/nginx.conf"
  nginx -p "$DEMO/nginx" -e "$LOGS/nginx-error.log" -c "$DEMO/nginx/nginx.conf" \
    >"$LOGS/nginx.out" 2>&1 & echo $! >"$RUN/nginx.pid"
  wait_for 15 "nginx" answers "$NGINX_PORT"
}

require() {
  # The packages this demo runs, from the list `make test` installs (exact command if missing).
  "$ROOT/scripts/system_setup.sh" --check postgresql redis-server redis-tools nginx curl >/dev/null
  if [ ! -f "$MODEL" ]; then
    echo "error: no trained model at $MODEL (make train)" >&2
    exit 1
  fi
  local port
  for port in "${RASA_PORTS[@]}" "$ACTION_PORT" "$NGINX_PORT" "$PG_PORT" "$REDIS_PORT"; do
    if port_busy "$port"; then
      echo "error: port $port is already in use (set the SCALE_*_PORT variables)" >&2
      exit 1
    fi
  done
}

case "$mode" in
  start)
    stop_all
    require
    trap 'stop_all' ERR
    started=$SECONDS
    "$ROOT/scripts/pg_local.sh" start "$DEMO/pg" "$PG_PORT" tracker rules
    RULES_DB_URL="$(rules_url)" "$PY" -m bot.rules load >"$LOGS/rules-load.log" 2>&1 \
      || { cat "$LOGS/rules-load.log" >&2; false; }
    start_redis
    start_actions
    for port in "${RASA_PORTS[@]}"; do start_rasa "$port"; done
    for port in "${RASA_PORTS[@]}"; do
      wait_for "${READY_TIMEOUT:-240}" "Rasa on port $port" answers "$port"
      check_own_instance "$port"
    done
    start_nginx
    trap - ERR
    echo "Scale demo is up in $((SECONDS - started))s: http://127.0.0.1:$NGINX_PORT" \
      "(Rasa ${RASA_PORTS[*]}, actions $ACTION_PORT, PostgreSQL $PG_PORT, Redis $REDIS_PORT," \
      "lock store: $LOCK_STORE)"
    ;;
  env)
    instances=()
    for port in "${RASA_PORTS[@]}"; do instances+=("http://127.0.0.1:$port"); done
    echo "export SCALE_URL=http://127.0.0.1:$NGINX_PORT"
    echo "export SCALE_INSTANCE_URLS='${instances[*]}'"
    echo "export SCALE_DB_URL='$(tracker_url)'"
    echo "export SCALE_AGENT_TOKEN='$(agent_token)'"
    ;;
  stop)
    stop_all
    ;;
  *)
    echo "usage: scale_demo.sh start|env|stop" >&2
    exit 2
    ;;
esac
