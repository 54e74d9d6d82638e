"""Health endpoint: GET /webhooks/health/ says whether the bot can hold a real conversation.

Registered like any input channel (credentials.yml: ``bot.channels.health.HealthInput:``), so
it needs neither Rasa's HTTP API nor its token. The JSON body::

    {"status": "ok" | "degraded" | "down",
     "model_loaded": bool,                        # the agent has a model: it can answer at all
     "action_server": "ok" | "unreachable",       # GET <action server>/health within 2 s
     "tracker_store": "ok" | "fallback_in_memory" | "unwritable",
     "rules_db": "ok" | "unavailable",            # RulesRepository().ping()
     "lock_store": "ok" | "unreachable" | "in_memory" | "unchecked",
     "tracker_store_fallbacks": int,              # times Rasa fell back to memory (a failing
                                                  # turn counts once per store call)
     "patches": [str],                            # Rasa patches in effect (bot/server/patches.py)
     "turn_gate": "on" | "off",                   # turns pass the FIFO turn gate
     "tensorflow_guard": "on" | "off"}            # the launcher kept TensorFlow out

is sent with HTTP 200 when the status is "ok" and 503 otherwise. "down" means no model is
loaded; "degraded" means the bot answers but something it relies on is failing (answers are
general instead of tailored, or conversations are not being stored).

The last three fields only describe how this process serves and never change the status: under
plain ``rasa run`` (or on a Rasa version the patches were not written for) no patch is applied
and the turn gate is off, and the answers are the same.

The tracker store check matters most: Rasa wraps the configured store in a
``FailSafeTrackerStore`` that, when the store fails, logs an error, starts the turn from an
empty tracker and saves it to an in-memory store nobody ever reads - the bot keeps answering
while silently forgetting conversations. So the tracker store is:

- "unwritable" when a write and read-back on the configured store fails right now (SQL
  stores: a row for a dedicated health-check conversation is inserted, read back in the same
  transaction and rolled back, so health checks leave no trace; other stores: a read);
- "fallback_in_memory" when, within the last ``HEALTH_FALLBACK_WINDOW`` seconds (default 60),
  the fail-safe wrapper had to serve a turn from memory, detected by installing our callback
  as the wrapper's error hook. This wins over "unwritable": it means turns were lost, not
  just that they would be.

No error text reaches the response (it could contain database URLs); details go to the log.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Text, Tuple

import aiohttp
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.tracker_store import (
    AwaitableTrackerStore,
    FailSafeTrackerStore,
    SQLTrackerStore,
    TrackerStore,
)
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.exc import DBAPIError

from bot.stores.lock_redis import AtomicRedisLockStore
from bot.stores.lock_sqlite import SQLiteLockStore
from bot.rules.repository import RulesRepository
from bot.server import patches
from bot import settings

logger = logging.getLogger(__name__)

CHECK_TIMEOUT = 2.0
DEFAULT_FALLBACK_WINDOW = 60.0
FALLBACK_WINDOW_ENV = "HEALTH_FALLBACK_WINDOW"
HEALTH_SENDER_ID = "__health_check__"


class FallbackMonitor:
    """Error hook of a ``FailSafeTrackerStore``: counts and logs its fallbacks to memory.

    Rasa calls the hook instead of logging when the configured store fails in ``save``,
    ``retrieve`` or ``keys``: the turn then starts from an empty tracker or is saved only in
    memory.
    """

    def __init__(self, store_name: Text) -> None:
        self.store_name = store_name
        self.count = 0
        self.last: Optional[float] = None

    def __call__(self, error: Exception) -> None:
        """Records a fallback and logs it (without SQL parameters, which hold user text)."""
        self.count += 1
        self.last = time.monotonic()
        detail = error.orig if isinstance(error, DBAPIError) else ""
        logger.error(
            "Tracker store %s failed (%s: %s): this turn is served from the in-memory "
            "fallback and its events are not stored",
            self.store_name,
            type(error).__name__,
            detail,
        )

    def recent(self, window: float) -> bool:
        """Whether a fallback happened within the last ``window`` seconds."""
        return self.last is not None and time.monotonic() - self.last <= window


def fallback_monitor(store: Any) -> Optional[FallbackMonitor]:
    """Returns the monitor of the agent's fail-safe tracker store, installing it if needed.

    Args:
        store: ``agent.tracker_store``.

    Returns:
        The monitor, or None when the store is not a ``FailSafeTrackerStore`` (then there is no
        silent fallback to watch) or already has a hook of someone else's.
    """
    if not isinstance(store, FailSafeTrackerStore):
        return None
    # Rasa 3.6 (pinned) has no public accessor for the hook it takes in its constructor.
    hook = store._on_tracker_store_error
    if hook is None:
        hook = FallbackMonitor(type(primary_store(store)).__name__)
        store._on_tracker_store_error = hook
    return hook if isinstance(hook, FallbackMonitor) else None


def primary_store(store: TrackerStore) -> TrackerStore:
    """The configured tracker store behind Rasa's fail-safe and awaitable wrappers."""
    while isinstance(store, (FailSafeTrackerStore, AwaitableTrackerStore)):
        store = store._tracker_store
    return store


def sql_round_trip(store: SQLTrackerStore) -> None:
    """Inserts a health-check event, reads it back and rolls the transaction back.

    Raises:
        Exception: The database cannot be reached, is read-only or lacks the events table.
    """
    data = json.dumps({"event": "health_check", "nonce": uuid.uuid4().hex})
    session = store.sessionmaker()
    try:
        session.add(
            store.SQLEvent(
                sender_id=HEALTH_SENDER_ID,
                type_name="health_check",
                timestamp=time.time(),
                data=data,
            )
        )
        session.flush()
        found = (
            session.query(store.SQLEvent.id)
            .filter(store.SQLEvent.sender_id == HEALTH_SENDER_ID, store.SQLEvent.data == data)
            .count()
        )
        if found != 1:
            raise RuntimeError(f"health-check event read back {found} times")
    finally:
        session.rollback()
        session.close()


async def in_thread(function: Callable[..., Any], *args: Any) -> Any:
    """Runs a blocking check off the event loop, failing after ``CHECK_TIMEOUT`` seconds."""
    loop = asyncio.get_running_loop()
    return await asyncio.wait_for(loop.run_in_executor(None, function, *args), CHECK_TIMEOUT)


async def tracker_store_status(agent: Any, fallback_window: float) -> Tuple[Text, int]:
    """Checks the agent's tracker store.

    Returns:
        The status ("ok", "fallback_in_memory" or "unwritable") and the number of fallbacks
        to memory since the server started.
    """
    store = getattr(agent, "tracker_store", None)
    if store is None:
        return "unwritable", 0
    monitor = fallback_monitor(store)
    fallbacks = monitor.count if monitor else 0
    if monitor and monitor.recent(fallback_window):
        return "fallback_in_memory", fallbacks
    primary = primary_store(store)
    try:
        if isinstance(primary, SQLTrackerStore):
            await in_thread(sql_round_trip, primary)
        else:
            await asyncio.wait_for(primary.retrieve(HEALTH_SENDER_ID), CHECK_TIMEOUT)
    except Exception as e:
        logger.error("Health check: tracker store %s unwritable (%s)", type(primary).__name__,
                     type(e).__name__)
        return "unwritable", fallbacks
    return "ok", fallbacks


def action_health_url(webhook_url: Text) -> Text:
    """``http://host:5055/webhook`` -> ``http://host:5055/health`` (the rasa-sdk route)."""
    base = webhook_url.rstrip("/")
    if base.endswith("/webhook"):
        base = base[: -len("/webhook")]
    return base + "/health"


async def action_server_status(agent: Any) -> Text:
    """"ok" when the action server answers its health route within ``CHECK_TIMEOUT``."""
    endpoint = getattr(agent, "action_endpoint", None)
    if endpoint is None or not endpoint.url:
        return "unreachable"
    try:
        timeout = aiohttp.ClientTimeout(total=CHECK_TIMEOUT)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.get(action_health_url(endpoint.url)) as resp:
                return "ok" if resp.status == 200 else "unreachable"
    except (aiohttp.ClientError, asyncio.TimeoutError) as e:
        logger.warning("Health check: action server unreachable (%s)", type(e).__name__)
        return "unreachable"


async def rules_db_status() -> Text:
    """"ok" when the province rules database answers and has its schema."""
    try:
        await in_thread(RulesRepository().ping)
    except Exception as e:
        logger.warning("Health check: rules database unavailable (%s)", type(e).__name__)
        return "unavailable"
    return "ok"


async def lock_store_status(agent: Any) -> Text:
    """"ok"/"unreachable" for our Redis and SQLite lock stores, "in_memory" for Rasa's default."""
    store = getattr(agent, "lock_store", None)
    if isinstance(store, (AtomicRedisLockStore, SQLiteLockStore)):
        try:
            await asyncio.wait_for(store.ping(), CHECK_TIMEOUT)
        except Exception as e:
            logger.error("Health check: lock store unreachable (%s)", type(e).__name__)
            return "unreachable"
        return "ok"
    if isinstance(store, InMemoryLockStore):
        return "in_memory"
    return "unchecked"


async def check_health(agent: Any, fallback_window: float) -> Tuple[Dict[Text, Any], int]:
    """Runs every check concurrently.

    Args:
        agent: ``app.ctx.agent`` (None before the model is loaded).
        fallback_window: Seconds a tracker store fallback keeps the status "degraded".

    Returns:
        The JSON body and the HTTP status (200 when everything is ok, 503 otherwise).
    """
    model_loaded = bool(agent is not None and agent.is_ready())
    (tracker, fallbacks), actions, rules, lock = await asyncio.gather(
        tracker_store_status(agent, fallback_window),
        action_server_status(agent),
        rules_db_status(),
        lock_store_status(agent),
    )
    healthy = (
        tracker == "ok" and actions == "ok" and rules == "ok" and lock != "unreachable"
    )
    status = "down" if not model_loaded else "ok" if healthy else "degraded"
    body = {
        "status": status,
        "model_loaded": model_loaded,
        "action_server": actions,
        "tracker_store": tracker,
        "rules_db": rules,
        "lock_store": lock,
        "tracker_store_fallbacks": fallbacks,
        **patches.health_report(),
    }
    return body, 200 if status == "ok" else 503


class HealthInput(InputChannel):
    """Serves GET /webhooks/health/ (no messages in or out)."""

    def __init__(self) -> None:
        self.fallback_window = settings.get_float(FALLBACK_WINDOW_ENV)

    @classmethod
    def name(cls) -> Text:
        """Channel name; also the URL prefix /webhooks/health/."""
        return "health"

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """The health route, plus a listener that watches for fallbacks from the start."""
        health = Blueprint("icp_health", __name__)

        @health.listener("after_server_start")
        async def watch_fallbacks(app: Sanic, _: asyncio.AbstractEventLoop) -> None:
            # The agent is loaded by a before_server_start listener; installing the hook now
            # catches fallbacks that happen before anyone asks for the health.
            fallback_monitor(getattr(getattr(app.ctx, "agent", None), "tracker_store", None))

        @health.route("/", methods=["GET"])
        async def report(request: Request) -> HTTPResponse:
            body, status = await check_health(
                getattr(request.app.ctx, "agent", None), self.fallback_window
            )
            return response.json(body, status=status)

        return health
