"""AtomicRedisLockStore against a real redis-server: exclusion, order, expiry, failure modes.

The fixture starts a throwaway redis-server on a free loopback port (skipped when redis-server
is not installed). Crashes are real: a separate Python process takes a ticket and is killed.
"""
from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator, List

import pytest
import redis as sync_redis
from rasa.core.lock_store import LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

from bot.devtools.ports import free_ports
from bot.stores.lock_redis import AtomicRedisLockStore

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    shutil.which("redis-server") is None,
    reason="redis-server is not installed (apt-get install redis-server)",
)


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a redis-server started for this module (no persistence, loopback only)."""
    port = free_ports(1)[0]
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = sync_redis.Redis(port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except sync_redis.ConnectionError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("redis-server did not start")
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def client(redis_url: str) -> Iterator[sync_redis.Redis]:
    client = sync_redis.Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.close()


def make_store(url: str, **options: float) -> AtomicRedisLockStore:
    return AtomicRedisLockStore(url=url, **options)


def spawn_holder(url: str, conversation: str, lifetime: float) -> subprocess.Popen:
    """A separate process that takes the conversation's lock (or waits for it) and hangs."""
    code = (
        "import asyncio, sys\n"
        "from bot.stores.lock_redis import AtomicRedisLockStore\n"
        "async def main():\n"
        f"    store = AtomicRedisLockStore(url={url!r}, waiter_ttl=1)\n"
        f"    async with store.lock({conversation!r}, lock_lifetime={lifetime}):\n"
        "        print('locked', flush=True)\n"
        "        await asyncio.sleep(3600)\n"
        "asyncio.run(main())\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE)


def wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


@pytest.mark.asyncio
async def test_turns_are_exclusive_and_served_in_arrival_order(redis_url, client):
    store = make_store(redis_url, poll_interval=0.005)
    inside = 0
    served: List[int] = []

    async def turn() -> None:
        nonlocal inside
        async with store.lock("c1") as ticket:
            inside += 1
            assert inside == 1, "two turns of one conversation ran at the same time"
            served.append(int(ticket.split(":")[0]))
            await asyncio.sleep(0.002)
            inside -= 1

    await asyncio.gather(*(turn() for _ in range(30)))
    assert served == sorted(served) and len(served) == 30
    assert client.keys("*") == [], "every key is removed once the queue is empty"


def test_two_processes_never_overlap(redis_url, client):
    """Two processes (two "Rasa instances") hammer one conversation; no update is lost."""
    code = (
        "import asyncio, sys, redis.asyncio as r\n"
        "from bot.stores.lock_redis import AtomicRedisLockStore\n"
        "async def main():\n"
        "    url = sys.argv[1]\n"
        "    store, red = AtomicRedisLockStore(url=url, poll_interval=0.001), r.Redis.from_url(url)\n"
        "    for _ in range(40):\n"
        "        async with store.lock('shared'):\n"
        "            if await red.incr('inside') != 1: await red.incr('overlaps')\n"
        "            value = int(await red.get('counter') or 0)\n"
        "            await asyncio.sleep(0.001)\n"
        "            await red.set('counter', value + 1)\n"
        "            await red.decr('inside')\n"
        "asyncio.run(main())\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO))
    procs = [
        subprocess.Popen([sys.executable, "-c", code, redis_url], env=env) for _ in range(2)
    ]
    assert [p.wait(120) for p in procs] == [0, 0]
    assert int(client.get("overlaps") or 0) == 0
    assert int(client.get("counter")) == 80


@pytest.mark.asyncio
async def test_a_crashed_holder_blocks_only_until_the_lock_lifetime(redis_url, client):
    holder = spawn_holder(redis_url, "c2", lifetime=2)
    try:
        assert holder.stdout.readline().strip() == b"locked"
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
        store = make_store(redis_url)
        started = time.monotonic()
        async with store.lock("c2"):
            waited = time.monotonic() - started
        assert 0.5 < waited < 5, f"waited {waited:.1f}s for a dead holder's 2 s lock"
    finally:
        holder.kill()
        holder.wait(10)


@pytest.mark.asyncio
async def test_a_crashed_waiter_loses_its_place(redis_url, client):
    store = make_store(redis_url, waiter_ttl=1)
    queue = "icp:lock:c3:q"
    async with store.lock("c3"):
        waiter = spawn_holder(redis_url, "c3", lifetime=60)
        try:
            await asyncio.to_thread(wait_for, lambda: client.zcard(queue) == 2)
            waiter.send_signal(signal.SIGKILL)
            waiter.wait(10)
        finally:
            waiter.kill()
            waiter.wait(10)
    started = time.monotonic()
    async with store.lock("c3"):
        waited = time.monotonic() - started
    assert waited < 4, f"waited {waited:.1f}s behind a dead waiter (waiter_ttl 1 s)"


@pytest.mark.asyncio
async def test_a_cancelled_waiter_leaves_the_queue_at_once(redis_url, client):
    store = make_store(redis_url)
    queue = "icp:lock:c4:q"
    async with store.lock("c4"):
        waiter = asyncio.create_task(store.lock("c4").__aenter__())
        while client.zcard(queue) < 2:
            await asyncio.sleep(0.01)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        assert client.zcard(queue) == 1


@pytest.mark.asyncio
async def test_a_ticket_that_expired_while_waiting_raises_lock_error(redis_url, client):
    store = make_store(redis_url, waiter_ttl=0.05, poll_interval=0.3)
    async with store.lock("c5"):
        with pytest.raises(LockError):
            async with store.lock("c5"):
                pass


@pytest.mark.asyncio
async def test_unreachable_redis_runs_the_turn_unlocked(caplog):
    store = make_store(f"redis://127.0.0.1:{free_ports(1)[0]}/0", socket_timeout=1)
    with caplog.at_level(logging.ERROR, logger="bot.stores.lock_redis"):
        async with store.lock("c6") as ticket:
            assert ticket is None
    assert "without its lock" in caplog.text


def test_rasa_creates_it_from_the_endpoint_config(redis_url):
    config = EndpointConfig(
        url=redis_url, type="bot.stores.lock_redis.AtomicRedisLockStore", key_prefix="test:"
    )
    store = LockStore.create(config)
    assert isinstance(store, AtomicRedisLockStore)
    assert store.key_prefix == "test:"


def test_a_url_is_required():
    with pytest.raises(ValueError, match="Redis URL"):
        AtomicRedisLockStore(EndpointConfig(url="", type="bot.stores.lock_redis.AtomicRedisLockStore"))
