# Sourced by the other scripts: paths and the embedded defaults of every setting.
# Any variable already set in the environment wins (PostgreSQL, another action server...).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT
VENV="${VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"
RASA="$VENV/bin/rasa"
MODEL="$ROOT/models/icp-assistant.tar.gz"
mkdir -p "$ROOT/var" "$ROOT/models"

export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
export RASA_TELEMETRY_ENABLED=false
export TF_CPP_MIN_LOG_LEVEL=2
export SQLALCHEMY_SILENCE_UBER_WARNING=1
export RASA_PORT="${RASA_PORT:-5005}"
export ACTION_SERVER_PORT="${ACTION_SERVER_PORT:-5055}"
export ACTION_ENDPOINT_URL="${ACTION_ENDPOINT_URL:-http://127.0.0.1:$ACTION_SERVER_PORT/webhook}"
export TRACKER_DB_URL="${TRACKER_DB_URL:-sqlite:///$ROOT/var/tracker.db}"
export RULES_DB_URL="${RULES_DB_URL:-sqlite:///$ROOT/var/rules.db}"
# Sanic workers per Rasa server: processes with a copy of the model each (~330 MB), sharing
# the tracker store and the lock store. 1 by default: the web chat widget's socket.io client
# starts on HTTP long-polling, whose requests must all reach the worker that holds the session
# (docs/deployment.md); REST-only deployments can use one worker per core.
export SANIC_WORKERS="${SANIC_WORKERS:-1}"
# Conversation locks, shared by every Rasa process that serves the same conversations:
# - empty (default): in memory with one worker, else an SQLite file in var/
#   (bot.lock_store_sqlite.SQLiteLockStore) shared by the workers of this host;
# - redis://[:password@]host:port/db (rediss:// for TLS): Redis, shared by several hosts
#   (bot.lock_store.AtomicRedisLockStore);
# - sqlite:///path: that SQLite file.
# endpoints.yml reads LOCK_STORE_TYPE and LOCK_STORE_URL (Rasa fails on unset variables).
if [ -z "${LOCK_STORE_URL:-}" ] && [ "$SANIC_WORKERS" != 1 ]; then
  LOCK_STORE_URL="sqlite:///$ROOT/var/locks.db"
fi
export LOCK_STORE_URL="${LOCK_STORE_URL:-}"
case "$LOCK_STORE_URL" in
  "") export LOCK_STORE_TYPE=in_memory ;;
  redis://*|rediss://*) export LOCK_STORE_TYPE=bot.lock_store.AtomicRedisLockStore ;;
  sqlite:*) export LOCK_STORE_TYPE=bot.lock_store_sqlite.SQLiteLockStore ;;
  *) echo "LOCK_STORE_URL must be empty, redis://..., rediss://... or sqlite:///path" \
       "(got ${LOCK_STORE_URL%%:*}:...)" >&2
     exit 2 ;;
esac
