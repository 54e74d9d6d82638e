# Sourced by serve.sh: makes sure the agent assist API (bot/channels/agent_assist.py) has a
# token. AGENT_ASSIST_TOKEN from the environment wins; otherwise a random local token is
# created once in var/agent_assist_token (readable by this user only) and reused, so the agent
# console works out of the box on this machine without the API ever running open.
if [ -z "${AGENT_ASSIST_TOKEN:-}" ]; then
  AGENT_TOKEN_FILE="$ROOT/var/agent_assist_token"
  if [ ! -s "$AGENT_TOKEN_FILE" ]; then
    # umask first: the file must never exist with wider permissions, even for an instant.
    ( umask 077 && "$PY" -c 'import secrets; print(secrets.token_urlsafe(32))' >"$AGENT_TOKEN_FILE" )
  fi
  chmod 600 "$AGENT_TOKEN_FILE"
  AGENT_ASSIST_TOKEN="$(tr -d '[:space:]' <"$AGENT_TOKEN_FILE")"
  export AGENT_ASSIST_TOKEN
  echo "Agent assist token: $AGENT_ASSIST_TOKEN (agent console: http://localhost:$RASA_PORT/agent/)"
fi
