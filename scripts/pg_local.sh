#!/usr/bin/env bash
# A private PostgreSQL cluster in a directory of ours, on a loopback port: no system service,
# nothing under /etc or /var/lib (CI starts in a fresh container where nothing runs).
#   pg_local.sh start DIR PORT [DB...]  initdb DIR/data on first use, start, create the DBs
#   pg_local.sh url DIR PORT DB         print the SQLAlchemy URL of DB (password included)
#   pg_local.sh stop DIR                fast shutdown (data stays)
#   pg_local.sh destroy DIR             stop and delete the cluster and DIR
# The superuser is "icp" with a random password kept in DIR/password (mode 600). PostgreSQL
# refuses to run as root, so as root the cluster belongs to the "postgres" user (Debian
# package postgresql); the binaries are found in /usr/lib/postgresql/<newest>/bin or PG_BIN.
set -euo pipefail
mode="${1:?usage: pg_local.sh start|url|stop|destroy DIR [PORT [DB...]]}"
DIR="${2:?missing DIR}"
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"

if [ -z "${PG_BIN:-}" ]; then
  PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  [ -n "$PG_BIN" ] || PG_BIN="$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")"
fi
require_binaries() {
  if [ ! -x "$PG_BIN/initdb" ]; then
    echo "error: PostgreSQL server binaries not found (apt-get install postgresql, or set PG_BIN)" >&2
    exit 1
  fi
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# The data directory must be reachable by the server's user; a checkout under a private home
# (e.g. /root) is not, so the data then lives in a per-checkout directory under /tmp.
data_dir() {
  local data="$DIR/data"
  if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$DIR"; then
    data="${TMPDIR:-/tmp}/icp-pg-$(printf '%s' "$DIR" | sha1sum | cut -c1-12)"
  fi
  echo "$data"
}
DATA="$(data_dir)"
PASSWORD_FILE="$DIR/password"

password() { cat "$PASSWORD_FILE"; }

url() {
  echo "postgresql://icp:$(password)@127.0.0.1:$1/$2"
}

psql_admin() {
  local port="$1"; shift
  PGPASSWORD="$(password)" "$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U icp -d postgres \
    -v ON_ERROR_STOP=1 -qtA "$@"
}

init_cluster() {
  [ -f "$DATA/PG_VERSION" ] && return 0
  if [ ! -f "$PASSWORD_FILE" ]; then
    (umask 077; od -An -tx1 -N24 /dev/urandom | tr -d ' \n' >"$PASSWORD_FILE")
  fi
  local pwfile="$DATA.pw"
  mkdir -p "$DATA"
  chmod 700 "$DATA"
  (umask 077; password >"$pwfile")
  if [ "$(id -u)" = 0 ]; then chown postgres: "$DATA" "$pwfile"; fi
  as_owner "$PG_BIN/initdb" -D "$DATA" -U icp --pwfile="$pwfile" --auth=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 || {
      rm -f "$pwfile"; cat "$DIR/initdb.log" >&2; exit 1; }
  rm -f "$pwfile"
}

running() { as_owner "$PG_BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

case "$mode" in
  start)
    PORT="${3:?missing PORT}"; shift 3
    require_binaries
    init_cluster
    if ! running; then
      # TCP on loopback only; no Unix socket, so no dependency on /var/run/postgresql.
      as_owner "$PG_BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $PORT -c unix_socket_directories=''" start >/dev/null \
        || { tail -20 "$DATA/server.log" >&2; exit 1; }
    fi
    for db in "$@"; do
      if [ -z "$(psql_admin "$PORT" -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
        psql_admin "$PORT" -c "CREATE DATABASE \"$db\""
      fi
    done
    ;;
  url)
    url "${3:?missing PORT}" "${4:?missing DB}"
    ;;
  stop)
    # Without a cluster (or without PostgreSQL at all) there is nothing to stop.
    if [ -f "$DATA/PG_VERSION" ] && [ -x "$PG_BIN/pg_ctl" ] && running; then
      as_owner "$PG_BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
    fi
    ;;
  destroy)
    "$0" stop "$DIR"
    rm -rf "$DATA" "$DIR"
    ;;
  *)
    echo "usage: pg_local.sh start|url|stop|destroy DIR [PORT [DB...]]" >&2
    exit 2
    ;;
esac
