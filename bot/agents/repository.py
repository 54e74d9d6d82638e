"""Support agents and their tokens, in the rules database (``agents`` table).

Only a token's SHA-256 is stored: a leaked table does not let anyone in. A token is 32 random
bytes (URL-safe base64), far too many to guess, so a plain digest needs no salt or stretching.
"""
from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
from dataclasses import dataclass
from typing import List, Optional, Text

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, delete, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.stores.db import DatabaseUnavailable, translate_db_errors
from bot.stores.handoff import MAX_AGENT_CHARS

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,%d}$" % (MAX_AGENT_CHARS - 1))

metadata = MetaData()

agents = Table(
    "agents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(MAX_AGENT_CHARS), nullable=False, unique=True),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("created_at", Float, nullable=False),
)


class AgentsUnavailable(DatabaseUnavailable):
    """The agents table cannot be reached or queried."""


@dataclass(frozen=True)
class Agent:
    """One support agent."""

    name: Text
    created_at: float


def token_digest(token: Text) -> Text:
    """The stored form of a token: its SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


class AgentRepository:
    """Adds, lists, removes agents and finds the agent of a token."""

    def __init__(self, engine: Engine) -> None:
        """Creates the repository over ``engine`` (the rules database)."""
        self._engine = engine
        self._ready = False
        self._lock = threading.Lock()

    def _ensure_table(self) -> None:
        if self._ready:
            return
        with self._lock, translate_db_errors("agents table", AgentsUnavailable):
            if not self._ready:
                metadata.create_all(self._engine)
                self._ready = True

    def add(self, name: Text) -> Text:
        """Adds an agent and returns its new token (shown once, never stored).

        Raises:
            ValueError: The name is invalid or taken.
        """
        if not NAME_PATTERN.match(name or ""):
            raise ValueError(
                f"an agent name is 1-{MAX_AGENT_CHARS} letters, digits, '.', '_', '@' or '-'"
            )
        self._ensure_table()
        token = secrets.token_urlsafe(32)
        # The IntegrityError (a taken name) is caught before translate_db_errors, which would
        # report it as an unavailable database.
        with translate_db_errors("agents table", AgentsUnavailable):
            try:
                with self._engine.begin() as c:
                    c.execute(
                        insert(agents).values(
                            name=name, token_sha256=token_digest(token), created_at=time.time()
                        )
                    )
            except IntegrityError:
                raise ValueError(f"an agent named {name!r} already exists") from None
        return token

    def remove(self, name: Text) -> bool:
        """Removes an agent (its token stops working at once); False when there is none."""
        self._ensure_table()
        with translate_db_errors("agents table", AgentsUnavailable), self._engine.begin() as c:
            return bool(c.execute(delete(agents).where(agents.c.name == name)).rowcount)

    def list(self) -> List[Agent]:
        """Every agent, by name."""
        self._ensure_table()
        with translate_db_errors("agents table", AgentsUnavailable), self._engine.connect() as c:
            rows = c.execute(select(agents.c.name, agents.c.created_at).order_by(agents.c.name))
            return [Agent(row.name, row.created_at) for row in rows]

    def find(self, token: Text) -> Optional[Text]:
        """The name of the agent whose token this is, or None.

        Looked up by digest: comparing digests leaks nothing useful about the token itself.
        """
        self._ensure_table()
        query = select(agents.c.name).where(agents.c.token_sha256 == token_digest(token))
        with translate_db_errors("agents table", AgentsUnavailable), self._engine.connect() as c:
            return c.execute(query).scalar()
