"""Engine management for the province rules store.

The database is chosen by the ``RULES_DB_URL`` environment variable (any SQLAlchemy URL, e.g.
``postgresql+psycopg2://bot@db/rules``) and defaults to a SQLite file in ``<repo>/var/``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from bot import settings

DEFAULT_DB_PATH = settings.VAR_DIR / "rules.db"

_engine: Engine | None = None
_engine_lock = threading.Lock()


class DatabaseUnavailable(RuntimeError):
    """A database of ours cannot be reached or queried."""


class RulesUnavailable(DatabaseUnavailable):
    """The rules database cannot be reached or queried; callers should answer with a fallback."""


def database_url() -> str:
    """Return the configured database URL: ``RULES_DB_URL`` or the default SQLite file."""
    return settings.get("RULES_DB_URL")


def create_engine_for(
    url: str,
    what: str = "rules database",
    error: type[DatabaseUnavailable] = RulesUnavailable,
) -> Engine:
    """Create a 2.0-style engine for ``url``.

    Args:
        url: SQLAlchemy database URL.
        what: The database's name in error messages.
        error: The exception raised for an unusable URL.

    Returns:
        A new engine; nothing is connected yet.

    Raises:
        RulesUnavailable: The URL is malformed or its database driver is not installed.
    """
    try:
        parsed = make_url(url)
        connect_args = {}
        if parsed.get_backend_name() == "sqlite":
            # Rasa serves requests from several threads; each session is short-lived and never
            # shared, so SQLite's same-thread guard only gets in the way.
            connect_args["check_same_thread"] = False
        return create_engine(parsed, future=True, pool_pre_ping=True, connect_args=connect_args)
    except ArgumentError as exc:
        # The message would echo the URL, password included.
        raise error(f"invalid {what} URL") from exc
    except ImportError as exc:
        raise error(f"database driver for the {what} is missing: {exc}") from exc


def _is_default_database(url: URL) -> bool:
    # Only our own var/ is created on demand: a SQLite path elsewhere that does not exist is a
    # configuration mistake and must surface as RulesUnavailable.
    return (
        url.get_backend_name() == "sqlite"
        and bool(url.database)
        and Path(url.database).resolve() == DEFAULT_DB_PATH.resolve()
    )


def get_engine() -> Engine:
    """Return the process-wide engine, creating it on first use.

    Raises:
        RulesUnavailable: The configured URL is unusable.
    """
    global _engine
    with _engine_lock:
        if _engine is None:
            engine = create_engine_for(database_url())
            if _is_default_database(engine.url):
                DEFAULT_DB_PATH.parent.mkdir(parents=True, exist_ok=True)
            _engine = engine
        return _engine


def reset_engine() -> None:
    """Dispose of the cached engine so the next :func:`get_engine` reads the configuration again."""
    global _engine
    with _engine_lock:
        if _engine is not None:
            _engine.dispose()
        _engine = None


@contextmanager
def translate_db_errors(
    what: str = "rules database", error: type[DatabaseUnavailable] = RulesUnavailable
) -> Iterator[None]:
    """Re-raise SQLAlchemy database errors (connection, missing tables, ...) as ``error``."""
    try:
        yield
    except DBAPIError as exc:
        raise error(f"{what} unavailable: {exc.orig}") from exc
