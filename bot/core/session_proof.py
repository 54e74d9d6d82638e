"""Signed conversation ids for the web widget: a conversation belongs to the browser it was issued to.

The socket.io channel issues every widget conversation as ``<id>.<proof>``, where ``<id>`` is a
random conversation id and ``<proof>`` an HMAC of it under a server secret. The widget keeps the
whole string as its session id and sends it back with every message; the channel only accepts
a session id whose proof matches, and hands Rasa the ``<id>`` part alone. So:

- a client cannot choose a conversation id (another user's, a REST or WeChat sender's, "default"):
  only ids this server signed are accepted;
- the tracker store, the logs, the agent console and feedback reports hold ``<id>`` only, so
  reading them does not give anyone what it takes to write into the conversation.

The secret is ``SESSION_SECRET`` or, when that is unset, a random key generated once into
``var/session_secret`` (readable by this user only) and reused across restarts, so widget
conversations survive a restart. Changing the secret ends every widget conversation (the widget
then starts a new one).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
import threading
import uuid
from pathlib import Path
from typing import Optional, Text

from bot import settings
from bot.core.limits import MAX_SENDER_CHARS

SECRET_ENV = "SESSION_SECRET"
SECRET_FILE = settings.VAR_DIR / "session_secret"
SEPARATOR = "."
# 24 bytes of HMAC-SHA256 (192 bits), base64url: 32 characters. With the 32-character id the
# session id is 65 characters, well within MAX_SENDER_CHARS.
_PROOF_BYTES = 24
_CONTEXT = b"icp-widget-session\x00"

_lock = threading.Lock()
_file_secret: Optional[bytes] = None


def _generated_secret(path: Path) -> bytes:
    """The key in ``path``, created (mode 600, never wider) with a random value when missing."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_urlsafe(32) + "\n")
    # Another process may have created the file an instant ago and not written it yet.
    for _ in range(50):
        value = path.read_text(encoding="utf-8").strip()
        if value:
            return value.encode("utf-8")
        time.sleep(0.02)
    raise RuntimeError(f"{path} is empty: delete it to generate a new session secret")


def secret(secret_file: Optional[Path] = None) -> bytes:
    """The signing key: ``SESSION_SECRET``, else the generated one in ``var/session_secret``.

    Args:
        secret_file: Where the generated key lives; ``SECRET_FILE`` by default (tests pass their
            own, which is not cached).
    """
    configured = settings.get(SECRET_ENV).strip()
    if configured:
        return configured.encode("utf-8")
    if secret_file is not None:
        return _generated_secret(secret_file)
    global _file_secret
    with _lock:
        if _file_secret is None:
            SECRET_FILE.parent.mkdir(parents=True, exist_ok=True)
            _file_secret = _generated_secret(SECRET_FILE)
        return _file_secret


def _proof(conversation_id: Text, key: bytes) -> Text:
    digest = hmac.new(key, _CONTEXT + conversation_id.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:_PROOF_BYTES]).decode("ascii")


def issue(key: Optional[bytes] = None) -> Text:
    """A new widget session id: a random conversation id and its proof.

    Args:
        key: The signing key; :func:`secret` by default.
    """
    conversation_id = uuid.uuid4().hex
    return f"{conversation_id}{SEPARATOR}{_proof(conversation_id, key or secret())}"


def conversation_of(session_id: object, key: Optional[bytes] = None) -> Optional[Text]:
    """The conversation id of a widget session id whose proof matches.

    Args:
        session_id: What the client sent.
        key: The signing key; :func:`secret` by default.

    Returns:
        The ``<id>`` part, or None when ``session_id`` is not a string of the form
        ``<id>.<proof>`` with the right proof (compared in constant time).
    """
    if not isinstance(session_id, str):
        return None
    conversation_id, separator, proof = session_id.rpartition(SEPARATOR)
    if not (separator and conversation_id and proof):
        return None
    if len(session_id) > MAX_SENDER_CHARS or not conversation_id.isascii():
        return None  # issued ids are short ASCII; nothing else is worth an HMAC
    expected = _proof(conversation_id, key or secret())
    if not hmac.compare_digest(proof.encode("utf-8", "surrogateescape"), expected.encode("ascii")):
        return None
    return conversation_id
