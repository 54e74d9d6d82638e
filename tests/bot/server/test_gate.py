"""TurnGate: at most `limit` turns at once, the others admitted in arrival order."""
from __future__ import annotations

import asyncio
from typing import List

import pytest

from bot import settings
from bot.server.gate import (
    DEFAULT_LIMIT,
    DEFAULT_PENDING_CAP,
    LIMIT_ENV,
    FairTurnGate,
    TooManyPending,
    TurnGate,
    configured_limit,
    configured_pending_cap,
    turn_gate,
)


async def run_turns(gate: TurnGate, count: int, work: float = 0.01) -> tuple[List[int], int]:
    order: List[int] = []
    in_flight = peak = 0

    async def turn(i: int) -> None:
        nonlocal in_flight, peak
        async with gate.turn():
            order.append(i)
            in_flight += 1
            peak = max(peak, in_flight)
            await asyncio.sleep(work)
            in_flight -= 1

    await asyncio.gather(*(turn(i) for i in range(count)))
    return order, peak


@pytest.mark.asyncio
async def test_limit_and_first_come_first_served() -> None:
    order, peak = await run_turns(TurnGate(3), 12)
    assert peak == 3
    assert order == list(range(12))


@pytest.mark.asyncio
async def test_no_limit() -> None:
    _, peak = await run_turns(TurnGate(0), 10)
    assert peak == 10


@pytest.mark.asyncio
async def test_a_released_place_goes_to_the_oldest_waiter_not_a_newcomer() -> None:
    gate = TurnGate(1)
    await gate.acquire()
    admitted: List[str] = []

    async def wait(name: str) -> None:
        await gate.acquire()
        admitted.append(name)

    first = asyncio.create_task(wait("first"))
    await asyncio.sleep(0)
    gate.release()
    newcomer = asyncio.create_task(wait("newcomer"))  # arrives after the release
    await asyncio.sleep(0.01)
    assert admitted == ["first"]
    gate.release()
    await asyncio.gather(first, newcomer)
    assert admitted == ["first", "newcomer"]


@pytest.mark.asyncio
async def test_cancelled_waiters_give_their_place_back() -> None:
    gate = TurnGate(1)
    await gate.acquire()
    waiter = asyncio.create_task(gate.acquire())
    await asyncio.sleep(0)
    assert gate.waiting == 1
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert gate.waiting == 0
    gate.release()
    # The place is free again: a new turn gets in at once.
    await asyncio.wait_for(gate.acquire(), 0.5)

    # Cancelled right after the place was handed over: the place is passed on, not lost.
    granted = asyncio.create_task(gate.acquire())
    await asyncio.sleep(0)
    gate.release()  # hands the place to `granted`...
    granted.cancel()  # ...which is cancelled before it runs
    with pytest.raises(asyncio.CancelledError):
        await granted
    await asyncio.wait_for(gate.acquire(), 0.5)


@pytest.mark.asyncio
async def test_one_gate_per_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    assert turn_gate() is turn_gate()
    monkeypatch.setenv(LIMIT_ENV, "7")
    assert configured_limit() == 7
    monkeypatch.setenv(LIMIT_ENV, "many")
    assert configured_limit() == DEFAULT_LIMIT


# --- fairness between senders ----------------------------------------------------------------


@pytest.mark.asyncio
async def test_one_senders_backlog_does_not_hold_other_senders() -> None:
    gate = FairTurnGate(2)
    order: List[str] = []

    async def turn(sender: str, label: str, work: float = 0.02) -> None:
        async with gate.turn(sender):
            order.append(label)
            await asyncio.sleep(work)

    flood = [asyncio.create_task(turn("flood", f"flood-{i}")) for i in range(30)]
    await asyncio.sleep(0)
    # At most one of the flood's turns holds a place or waits at the shared gate.
    assert gate.pending("flood") == 30
    assert gate.waiting == 0
    other = asyncio.create_task(turn("other", "other"))
    await asyncio.wait_for(other, 0.2)  # not after 30 turns of 20 ms: at once
    assert order.index("other") <= 2
    await asyncio.gather(*flood)
    # The sender's own turns kept their arrival order.
    assert [o for o in order if o.startswith("flood")] == [f"flood-{i}" for i in range(30)]
    assert gate.pending("flood") == 0


@pytest.mark.asyncio
async def test_a_sender_runs_one_turn_at_a_time() -> None:
    gate = FairTurnGate(4)
    in_flight = peak = 0

    async def turn() -> None:
        nonlocal in_flight, peak
        async with gate.turn("same"):
            in_flight += 1
            peak = max(peak, in_flight)
            await asyncio.sleep(0.005)
            in_flight -= 1

    await asyncio.gather(*(turn() for _ in range(6)))
    assert peak == 1


@pytest.mark.asyncio
async def test_the_cap_refuses_a_sender_over_its_backlog_and_says_when_to_retry() -> None:
    gate = FairTurnGate(2)
    gate.mean_turn_seconds = 0.5
    release = asyncio.Event()

    async def turn() -> None:
        async with gate.turn("busy", cap=3):
            await release.wait()

    held = [asyncio.create_task(turn()) for _ in range(3)]
    await asyncio.sleep(0)
    with pytest.raises(TooManyPending) as refused:
        async with gate.turn("busy", cap=3):
            pass
    assert refused.value.pending == 3
    assert refused.value.retry_after == 2  # 3 turns of ~0.5 s, rounded up
    assert gate.pending("busy") == 3  # the refused turn was not counted
    # Another sender is not affected by that sender's cap, and gets the second place.
    async def calm() -> None:
        async with gate.turn("calm", cap=3):
            pass

    await asyncio.wait_for(calm(), 1)
    release.set()
    await asyncio.gather(*held)
    assert gate.pending("busy") == 0


@pytest.mark.asyncio
async def test_cancelled_turns_leave_no_count_behind() -> None:
    gate = FairTurnGate(1)
    release = asyncio.Event()

    async def turn() -> None:
        async with gate.turn("s"):
            await release.wait()

    first = asyncio.create_task(turn())
    second = asyncio.create_task(turn())
    await asyncio.sleep(0)
    second.cancel()
    with pytest.raises(asyncio.CancelledError):
        await second
    assert gate.pending("s") == 1
    release.set()
    await first
    assert gate.pending("s") == 0


def test_pending_cap_setting() -> None:
    with settings.override(MAX_PENDING_PER_SENDER="9"):
        assert configured_pending_cap() == 9
    with settings.override(MAX_PENDING_PER_SENDER="0"):
        assert configured_pending_cap() == DEFAULT_PENDING_CAP


@pytest.mark.asyncio
async def test_a_backlogged_sender_gives_way_but_is_never_starved() -> None:
    gate = FairTurnGate(4)
    gate.BULK_MAX_WAIT = 0.2
    order: List[str] = []
    other_running = asyncio.Event()
    release_other = asyncio.Event()

    async def other() -> None:
        async with gate.turn("other"):
            other_running.set()
            await release_other.wait()
            order.append("other")

    async def flood(i: int) -> None:
        async with gate.turn("flood"):
            order.append(f"flood-{i}")
            await asyncio.sleep(0.01)

    first = asyncio.create_task(other())
    await other_running.wait()
    started = asyncio.get_running_loop().time()
    floods = [asyncio.create_task(flood(i)) for i in range(3)]
    await asyncio.sleep(0.1)
    # The first had nothing behind it when it arrived; the second has: it gives way to the
    # running turn of the other sender although places are free...
    assert order == ["flood-0"]
    await asyncio.wait_for(floods[1], 1)  # ...for BULK_MAX_WAIT at most
    assert asyncio.get_running_loop().time() - started >= 0.2
    await asyncio.wait_for(floods[2], 0.1)  # the last one has nothing behind it: no pause
    release_other.set()
    await first
    assert order == ["flood-0", "flood-1", "flood-2", "other"]

    # Without turns of other senders, a backlog runs without pauses.
    started = asyncio.get_running_loop().time()
    await asyncio.gather(*(flood(i) for i in range(3, 8)))
    assert asyncio.get_running_loop().time() - started < 0.15
