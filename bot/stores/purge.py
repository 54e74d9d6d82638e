"""Deletes conversations and feedback older than the retention period (``RETENTION_DAYS``).

``python -m bot.stores.purge`` removes, from the tracker store (``TRACKER_DB_URL``), every
conversation event older than the retention period and, from the feedback table
(``RULES_DB_URL``), every rating older than it. ``make run`` runs it at start; a long-running
deployment runs it daily from cron (docs/deployment.md).

Deleting events by age is safe for conversations still in progress: Rasa only reads a
conversation's latest session, and a session ends after an hour without messages
(``session_config`` in domain/core.yml), so an event older than the retention period is never
part of it.

Options: ``--days N`` (instead of ``RETENTION_DAYS``), ``--dry-run`` (count only).
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import List, Optional

from sqlalchemy import column, delete, func, inspect, select, table
from sqlalchemy.engine import Engine

from bot import settings
from bot.feedback.models import Feedback
from bot.feedback.repository import FeedbackUnavailable, open_tracker_engine
from bot.stores.db import DatabaseUnavailable, translate_db_errors

SECONDS_PER_DAY = 86_400
_EVENTS = table("events", column("timestamp"))


@dataclass(frozen=True)
class Purged:
    """What a purge deleted (or, in a dry run, would delete)."""

    events: int
    feedback: int


def purge_events(engine: Optional[Engine], cutoff: float, dry_run: bool = False) -> int:
    """Deletes tracker store events with a timestamp before ``cutoff`` (seconds since the epoch).

    Args:
        engine: The tracker store; None when it does not exist yet (nothing to delete).
        cutoff: Events before this time go.
        dry_run: Only count them.

    Returns:
        The number of events deleted (or that would be).
    """
    if engine is None:
        return 0
    with translate_db_errors("tracker store", DatabaseUnavailable), engine.begin() as connection:
        if not inspect(connection).has_table("events"):
            return 0
        old = _EVENTS.c.timestamp < cutoff
        if dry_run:
            return int(connection.execute(select(func.count()).select_from(_EVENTS).where(old)).scalar() or 0)
        return int(connection.execute(delete(_EVENTS).where(old)).rowcount or 0)


def purge_feedback(engine: Optional[Engine], cutoff: datetime, dry_run: bool = False) -> int:
    """Deletes ratings created before ``cutoff``.

    Args:
        engine: The feedback database; None when it does not exist yet.

    Returns:
        The number of ratings deleted (or that would be).
    """
    if engine is None:
        return 0
    with translate_db_errors("feedback database", FeedbackUnavailable), engine.begin() as connection:
        if not inspect(connection).has_table(Feedback.__tablename__):
            return 0
        old = Feedback.created_at < cutoff
        if dry_run:
            return int(connection.execute(select(func.count(Feedback.id)).where(old)).scalar() or 0)
        return int(connection.execute(delete(Feedback).where(old)).rowcount or 0)


def purge(
    days: int,
    tracker_engine: Optional[Engine],
    feedback_engine: Optional[Engine],
    now: Optional[float] = None,
    dry_run: bool = False,
) -> Purged:
    """Deletes conversation events and ratings older than ``days`` days.

    Args:
        days: The retention period.
        tracker_engine: The tracker store (None: not created yet).
        feedback_engine: The database with the feedback table.
        now: The current time in seconds since the epoch (tests).
        dry_run: Only count.
    """
    now = time.time() if now is None else now
    cutoff = now - days * SECONDS_PER_DAY
    cutoff_dt = datetime.fromtimestamp(now, timezone.utc) - timedelta(days=days)
    return Purged(
        events=purge_events(tracker_engine, cutoff, dry_run),
        feedback=purge_feedback(feedback_engine, cutoff_dt, dry_run),
    )


def main(argv: Optional[List[str]] = None) -> int:
    """Command line: ``python -m bot.stores.purge [--days N] [--dry-run]``."""
    parser = argparse.ArgumentParser(prog="python -m bot.stores.purge", description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, help="retention in days (default: RETENTION_DAYS)")
    parser.add_argument("--dry-run", action="store_true", help="count only, delete nothing")
    args = parser.parse_args(argv)
    try:
        days = args.days if args.days is not None else settings.get_int("RETENTION_DAYS", minimum=1)
        if days < 1:
            raise settings.SettingError("--days must be at least 1")
        # Neither is created when missing (an SQLite file would be): nothing to delete then.
        tracker_engine = open_tracker_engine(settings.get("TRACKER_DB_URL"))
        feedback_engine = open_tracker_engine(settings.get("RULES_DB_URL"))
        result = purge(days, tracker_engine, feedback_engine, dry_run=args.dry_run)
    except (settings.SettingError, DatabaseUnavailable) as e:
        print(f"purge: {e}", file=sys.stderr)
        return 2
    verb = "would delete" if args.dry_run else "deleted"
    print(
        f"purge: {verb} {result.events} conversation events and {result.feedback} ratings "
        f"older than {days} days"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
