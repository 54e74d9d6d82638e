"""TurnGate: at most `limit` turns at once, the others admitted in arrival order."""
from __future__ import annotations

import asyncio
from typing import List

import pytest

from bot.server.gate import DEFAULT_LIMIT, LIMIT_ENV, TurnGate, configured_limit, turn_gate


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
