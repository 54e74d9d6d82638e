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
# Every setting's default lives in bot/settings.py (stdlib only, so any Python 3 runs it, even
# before the venv exists); values already in the environment win.
_settings_py="$PY"; [ -x "$_settings_py" ] || _settings_py="$(command -v python3 || command -v python3.10)"
_settings="$(cd "$ROOT" && "$_settings_py" -m bot.settings --shell)" || exit 2
eval "$_settings"
unset _settings _settings_py
