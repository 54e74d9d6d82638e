"""The handoff queue: paused conversations (tracker store) and their claims (rules database).

Which conversations are handed off is read from the tracker store's ``events`` table (the
latest ``pause`` / ``resume`` / ``session_started`` / ``restart`` of each conversation), so the
queue is whatever the conversations say, after any restart. Which agent holds a handoff lives in
``handoff_claims`` beside the rules and feedback, one row per handoff (conversation + pause
timestamp, unique): claiming is ``UPDATE ... WHERE agent IS NULL``, which one process and one
host at most can win, whatever the number of Rasa processes. The same row records that the
"nobody picked up" message was sent, so it is sent once.

Every method blocks (SQL): call them from a thread in async code.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Text, Tuple

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    and_,
    column,
    func,
    insert,
    select,
    table,
    update,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from bot.core.handoff import ACTIVE, HANDOFF_EVENTS, PAUSE, WAITING, claim_key
from bot.core.limits import MAX_SENDER_CHARS
from bot.stores.db import DatabaseUnavailable, translate_db_errors

#: Longest agent name (``python -m bot.agents add NAME``).
MAX_AGENT_CHARS = 64

metadata = MetaData()

claims = Table(
    "handoff_claims",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(MAX_SENDER_CHARS), nullable=False),
    Column("handoff", String(32), nullable=False),
    Column("agent", String(MAX_AGENT_CHARS), nullable=True),
    Column("claimed_at", Float, nullable=True),
    Column("timed_out_at", Float, nullable=True),
    UniqueConstraint("sender_id", "handoff", name="uq_handoff_claims_handoff"),
)

_events = table(
    "events",
    column("id"),
    column("sender_id"),
    column("type_name"),
    column("timestamp"),
)


class HandoffUnavailable(DatabaseUnavailable):
    """The tracker store or the claims table cannot be reached or queried."""


@dataclass(frozen=True)
class Handoff:
    """One conversation handed to agents."""

    sender_id: Text
    waiting_since: float
    agent: Optional[Text] = None
    timed_out_at: Optional[float] = None

    @property
    def status(self) -> Text:
        """``waiting`` until an agent claims it, then ``active``."""
        return ACTIVE if self.agent else WAITING

    @property
    def key(self) -> Text:
        """The handoff's key in ``handoff_claims``."""
        return claim_key(self.waiting_since)


@dataclass(frozen=True)
class ClaimResult:
    """The outcome of a claim: ``won`` (the agent holds it now or already did) and the holder."""

    won: bool
    agent: Optional[Text]


class HandoffStore:
    """Reads the queue and claims handoffs."""

    def __init__(self, engine: Engine, tracker_engine: Optional[Engine]) -> None:
        """Creates the store.

        Args:
            engine: The rules / feedback database, which holds ``handoff_claims``.
            tracker_engine: Rasa's SQL tracker store (its ``events`` table); None while it has
                not been created (then nothing is handed off).
        """
        self._engine = engine
        self._tracker_engine = tracker_engine
        self._ready = False
        self._lock = threading.Lock()

    def _ensure_table(self) -> None:
        if self._ready:
            return
        with self._lock, translate_db_errors("handoff claims", HandoffUnavailable):
            if not self._ready:
                metadata.create_all(self._engine)
                self._ready = True

    def paused(self) -> Dict[Text, float]:
        """Every conversation whose latest handoff event is a pause, with the pause's time."""
        if self._tracker_engine is None:
            return {}
        latest = (
            select(_events.c.sender_id, func.max(_events.c.id).label("id"))
            .where(_events.c.type_name.in_(HANDOFF_EVENTS))
            .group_by(_events.c.sender_id)
            .subquery()
        )
        query = (
            select(_events.c.sender_id, _events.c.timestamp)
            .join(latest, _events.c.id == latest.c.id)
            .where(_events.c.type_name == PAUSE)
        )
        with translate_db_errors("tracker store", HandoffUnavailable):
            with self._tracker_engine.connect() as connection:
                return {row.sender_id: float(row.timestamp) for row in connection.execute(query)}

    def handoffs(self) -> List[Handoff]:
        """Every current handoff, longest waiting first."""
        paused = self.paused()
        if not paused:
            return []
        self._ensure_table()
        query = select(claims).where(claims.c.sender_id.in_(list(paused)))
        with translate_db_errors("handoff claims", HandoffUnavailable):
            with self._engine.connect() as connection:
                rows = {(row.sender_id, row.handoff): row for row in connection.execute(query)}
        result = []
        for sender_id, since in paused.items():
            row = rows.get((sender_id, claim_key(since)))
            result.append(
                Handoff(
                    sender_id,
                    since,
                    agent=row.agent if row else None,
                    timed_out_at=row.timed_out_at if row else None,
                )
            )
        return sorted(result, key=lambda handoff: handoff.waiting_since)

    def handoff(self, sender_id: Text) -> Optional[Handoff]:
        """The conversation's current handoff, or None when the bot is in charge."""
        return next((h for h in self.handoffs() if h.sender_id == sender_id), None)

    def waiting(self) -> List[Tuple[Text, float]]:
        """``(sender_id, waiting since)`` of the handoffs no agent holds yet."""
        return [(h.sender_id, h.waiting_since) for h in self.handoffs() if not h.agent]

    @staticmethod
    def _row(connection: Connection, sender_id: Text, key: Text) -> None:
        # The row of a handoff is created by whoever needs it first; a concurrent creator's
        # row is as good as ours.
        try:
            with connection.begin():
                connection.execute(insert(claims).values(sender_id=sender_id, handoff=key))
        except IntegrityError:
            pass

    def claim(self, handoff: Handoff, agent: Text) -> ClaimResult:
        """Gives ``handoff`` to ``agent`` unless another agent holds it.

        Atomic across processes and hosts: the row is updated only while its agent is NULL.

        Returns:
            Whether ``agent`` holds it now (also when it already did), and who holds it.
        """
        self._ensure_table()
        condition = and_(claims.c.sender_id == handoff.sender_id, claims.c.handoff == handoff.key)
        with translate_db_errors("handoff claims", HandoffUnavailable):
            with self._engine.connect() as connection:
                self._row(connection, handoff.sender_id, handoff.key)
                with connection.begin():
                    won = connection.execute(
                        update(claims)
                        .where(condition, claims.c.agent.is_(None))
                        .values(agent=agent, claimed_at=time.time())
                    ).rowcount
                holder = connection.execute(select(claims.c.agent).where(condition)).scalar()
        return ClaimResult(won=bool(won) or holder == agent, agent=holder)

    def mark_timed_out(self, handoff: Handoff) -> bool:
        """Records that nobody picked ``handoff`` up in time; True for the one caller that did.

        Only an unclaimed handoff times out.
        """
        self._ensure_table()
        condition = and_(claims.c.sender_id == handoff.sender_id, claims.c.handoff == handoff.key)
        with translate_db_errors("handoff claims", HandoffUnavailable):
            with self._engine.connect() as connection:
                self._row(connection, handoff.sender_id, handoff.key)
                with connection.begin():
                    return bool(
                        connection.execute(
                            update(claims)
                            .where(
                                condition,
                                claims.c.agent.is_(None),
                                claims.c.timed_out_at.is_(None),
                            )
                            .values(timed_out_at=time.time())
                        ).rowcount
                    )
