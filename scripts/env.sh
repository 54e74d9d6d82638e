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
# Conversation locks: in memory unless LOCK_STORE_URL names a Redis server shared by every Rasa
# instance. endpoints.yml needs both variables set (Rasa fails on unset ones).
export LOCK_STORE_URL="${LOCK_STORE_URL:-}"
if [ -n "$LOCK_STORE_URL" ]; then
  export LOCK_STORE_TYPE=bot.lock_store.AtomicRedisLockStore
else
  export LOCK_STORE_TYPE=in_memory
fi
