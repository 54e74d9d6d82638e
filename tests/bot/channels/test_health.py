"""The health checks against real stores: SQLite tracker store, rules database, HTTP server."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any, AsyncIterator, Iterator

import pytest
import pytest_asyncio
import sqlalchemy as sa
from aiohttp import web
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore, SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.devtools.ports import free_ports
from bot.channels.health import (
    HEALTH_SENDER_ID,
    FallbackMonitor,
    action_health_url,
    check_health,
    fallback_monitor,
)
from bot.stores.lock_redis import AtomicRedisLockStore
from bot.stores.lock_sqlite import SQLiteLockStore
from bot.stores.db import create_engine_for, reset_engine
from bot.rules.loader import DEFAULT_RULES_FILE, load
from bot.server import patches


@pytest.fixture(scope="module")
def rules_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("rules") / "rules.db"
    engine = create_engine_for(f"sqlite:///{path}")
    load(DEFAULT_RULES_FILE, engine)
    engine.dispose()
    return f"sqlite:///{path}"


@pytest.fixture
def rules_env(monkeypatch: pytest.MonkeyPatch, rules_db: str) -> Iterator[None]:
    monkeypatch.setenv("RULES_DB_URL", rules_db)
    reset_engine()
    yield
    reset_engine()


@pytest_asyncio.fixture
async def action_server() -> AsyncIterator[str]:
    """A stand-in for the rasa-sdk server: answers GET /health."""
    app = web.Application()
    app.router.add_get("/health", lambda _: web.json_response({"status": "ok"}))
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_ports(1)[0]
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}/webhook"
    await runner.cleanup()


@pytest.fixture
def sql_store(tmp_path: Path) -> SQLTrackerStore:
    return SQLTrackerStore(Domain.empty(), host=f"sqlite:///{tmp_path / 'tracker.db'}")


def make_agent(store: Any, action_url: str, lock_store: Any = None, ready: bool = True) -> Any:
    return SimpleNamespace(
        is_ready=lambda: ready,
        tracker_store=FailSafeTrackerStore(store),
        action_endpoint=EndpointConfig(url=action_url),
        lock_store=lock_store or InMemoryLockStore(),
    )


def drop_events(store: SQLTrackerStore) -> None:
    with store.engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE events"))


def health_rows(store: SQLTrackerStore) -> int:
    with store.engine.connect() as connection:
        return connection.execute(
            sa.text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": HEALTH_SENDER_ID}
        ).scalar()


@pytest.mark.asyncio
async def test_everything_up_is_ok(rules_env, action_server, sql_store):
    body, status = await check_health(make_agent(sql_store, action_server), 60)
    assert status == 200
    assert body == {
        "status": "ok",
        "model_loaded": True,
        "action_server": "ok",
        "tracker_store": "ok",
        "rules_db": "ok",
        "lock_store": "in_memory",
        "tracker_store_fallbacks": 0,
        # This process never ran the launcher: as under plain `rasa run`.
        "patches": [],
        "turn_gate": "off",
        "tensorflow_guard": "off",
    }
    assert health_rows(sql_store) == 0, "the write probe is rolled back"


@pytest.mark.asyncio
async def test_patches_and_turn_gate_are_reported(
    rules_env, action_server, sql_store, monkeypatch
):
    state = patches.PatchState(
        rasa_version="3.6.21",
        results=[
            patches.PatchResult("action_validation", False, "BOT_STOCK_ACTION_VALIDATION=1"),
            patches.PatchResult("graph_runner", True, "applied"),
            patches.PatchResult("turn_gate", True, "applied"),
        ],
        tensorflow_guard=True,
    )
    monkeypatch.setattr(patches, "STATE", state)
    body, status = await check_health(make_agent(sql_store, action_server), 60)
    assert status == 200, "how the process serves never changes the status"
    assert (body["patches"], body["turn_gate"], body["tensorflow_guard"]) == (
        ["graph_runner", "turn_gate"], "on", "on"
    )


@pytest.mark.asyncio
async def test_no_model_is_down(rules_env, action_server, sql_store):
    body, status = await check_health(make_agent(sql_store, action_server, ready=False), 60)
    assert (status, body["status"], body["model_loaded"]) == (503, "down", False)


@pytest.mark.asyncio
async def test_action_server_down_is_degraded(rules_env, sql_store):
    agent = make_agent(sql_store, f"http://127.0.0.1:{free_ports(1)[0]}/webhook")
    body, status = await check_health(agent, 60)
    assert (status, body["status"], body["action_server"]) == (503, "degraded", "unreachable")


@pytest.mark.asyncio
async def test_missing_rules_database_is_degraded(monkeypatch, tmp_path, action_server, sql_store):
    monkeypatch.setenv("RULES_DB_URL", f"sqlite:///{tmp_path / 'missing' / 'rules.db'}")
    reset_engine()
    try:
        body, status = await check_health(make_agent(sql_store, action_server), 60)
    finally:
        reset_engine()
    assert (status, body["status"], body["rules_db"]) == (503, "degraded", "unavailable")


@pytest.mark.asyncio
async def test_unwritable_tracker_store_is_degraded(rules_env, action_server, sql_store):
    drop_events(sql_store)
    body, status = await check_health(make_agent(sql_store, action_server), 60)
    assert (status, body["status"], body["tracker_store"]) == (503, "degraded", "unwritable")


@pytest.mark.asyncio
async def test_turns_served_from_the_in_memory_fallback_are_reported(
    rules_env, action_server, sql_store
):
    agent = make_agent(sql_store, action_server)
    tracker = DialogueStateTracker("user-1", [])
    tracker.update(UserUttered("hello"))
    drop_events(sql_store)

    await check_health(agent, 60)  # installs the hook, as the server start listener does
    await agent.tracker_store.save(tracker)  # Rasa falls back to memory here
    body, status = await check_health(agent, 60)
    assert (status, body["tracker_store"], body["tracker_store_fallbacks"]) == (
        503,
        "fallback_in_memory",
        1,
    )

    # After the window, the live probe decides: still failing, then repaired.
    body, _ = await check_health(agent, 0)
    assert body["tracker_store"] == "unwritable"
    SQLTrackerStore.Base.metadata.create_all(sql_store.engine)
    body, status = await check_health(agent, 0)
    assert (status, body["tracker_store"], body["tracker_store_fallbacks"]) == (200, "ok", 1)


@pytest.mark.asyncio
async def test_other_tracker_stores_are_probed_by_a_read(rules_env, action_server):
    body, _ = await check_health(make_agent(InMemoryTrackerStore(Domain.empty()), action_server), 60)
    assert body["tracker_store"] == "ok"


@pytest.mark.asyncio
async def test_unreachable_redis_lock_store_is_degraded(rules_env, action_server, sql_store):
    lock_store = AtomicRedisLockStore(url=f"redis://127.0.0.1:{free_ports(1)[0]}/0", socket_timeout=1)
    body, status = await check_health(make_agent(sql_store, action_server, lock_store), 60)
    assert (status, body["lock_store"]) == (503, "unreachable")


@pytest.mark.asyncio
async def test_sqlite_lock_store_is_checked(rules_env, action_server, sql_store, tmp_path):
    healthy = SQLiteLockStore(url=f"sqlite:///{tmp_path / 'locks.db'}")
    body, status = await check_health(make_agent(sql_store, action_server, healthy), 60)
    assert (status, body["lock_store"]) == (200, "ok")
    (tmp_path / "file").write_text("not a directory")
    broken = SQLiteLockStore(url=f"sqlite:///{tmp_path / 'file' / 'locks.db'}")
    body, status = await check_health(make_agent(sql_store, action_server, broken), 60)
    assert (status, body["lock_store"]) == (503, "unreachable")


def test_the_hook_is_installed_once_and_never_replaces_someone_elses(sql_store):
    store = FailSafeTrackerStore(sql_store)
    monitor = fallback_monitor(store)
    assert isinstance(monitor, FallbackMonitor) and fallback_monitor(store) is monitor

    def theirs(_: Exception) -> None:
        pass

    assert fallback_monitor(FailSafeTrackerStore(sql_store, on_tracker_store_error=theirs)) is None
    assert fallback_monitor(sql_store) is None


@pytest.mark.parametrize(
    "url, expected",
    [
        ("http://127.0.0.1:5055/webhook", "http://127.0.0.1:5055/health"),
        ("http://actions:5055/webhook/", "http://actions:5055/health"),
        ("https://actions.internal/rasa", "https://actions.internal/rasa/health"),
    ],
)
def test_action_health_url(url: str, expected: str):
    assert action_health_url(url) == expected
