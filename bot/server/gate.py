"""Admission control for turns: a few turns in flight per process, the others wait in order.

Rasa handles every message as one coroutine on the Sanic event loop, and most of a turn is CPU
work that never yields (NLU, policies, the SQLite tracker store). A turn yields only while it
waits for the action server; when the reply arrives it queues behind every other turn that
started meanwhile. Under load, with 16 turns in flight, a turn that calls a custom action
therefore waits for roughly 15 other turns twice, and the latency of the tailored answers (a
third of the questions) runs to several times the median (docs/benchmarks.md).

``TurnGate`` admits at most ``limit`` turns at a time and queues the rest first come, first
served, so a turn that resumes after its action call competes with at most ``limit - 1``
others. Throughput does not change (the same CPU work is done; with ``limit`` > 1 the action
server round trips still overlap other turns); the latency spread does. The queue itself costs
nothing while a turn is waiting: a future per waiting request.

The limit comes from ``MAX_CONCURRENT_TURNS`` (default 4; 0 = no limit). It applies per
process (per Sanic worker): the ``turn_gate`` entry of ``bot.server.patches``, which the launcher
applies, puts ``Agent.handle_message``, through which every input channel runs its turns, behind
``turn_gate()``, the one gate of the current event loop. Under plain ``rasa run`` there is no
gate (the health endpoint says ``"turn_gate": "off"``).
"""
from __future__ import annotations

import asyncio
import weakref
from collections import deque
from contextlib import asynccontextmanager
import logging
from typing import AsyncIterator, Deque, Optional
from bot import settings

logger = logging.getLogger(__name__)

LIMIT_ENV = "MAX_CONCURRENT_TURNS"
DEFAULT_LIMIT = 4


class TurnGate:
    """A first-come, first-served counting gate (asyncio's Semaphore lets newcomers barge in
    ahead of woken waiters in Python 3.10)."""

    def __init__(self, limit: int) -> None:
        """Creates a gate.

        Args:
            limit: Turns admitted at once; 0 or less admits everything.
        """
        self.limit = limit
        self._free = limit
        self._waiters: Deque[asyncio.Future] = deque()

    @property
    def waiting(self) -> int:
        """Number of turns queued at the gate."""
        return sum(1 for w in self._waiters if not w.done())

    async def acquire(self) -> None:
        """Waits for a place; places are handed over in arrival order."""
        if self.limit <= 0:
            return
        if self._free > 0 and not self._waiters:
            self._free -= 1
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # the place was handed over just before the cancellation
            else:
                try:
                    self._waiters.remove(waiter)
                except ValueError:
                    pass
            raise

    def release(self) -> None:
        """Hands the place to the longest waiting turn, or frees it."""
        if self.limit <= 0:
            return
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._free += 1

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """``async with gate.turn():`` around one turn."""
        await self.acquire()
        try:
            yield
        finally:
            self.release()


def configured_limit() -> int:
    """``MAX_CONCURRENT_TURNS`` as an int (``DEFAULT_LIMIT`` when invalid, logged)."""
    try:
        return settings.get_int("MAX_CONCURRENT_TURNS", minimum=1)
    except settings.SettingError as e:
        logger.error("%s; using %d", e, DEFAULT_LIMIT)
        return DEFAULT_LIMIT


_gates: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, TurnGate]" = (
    weakref.WeakKeyDictionary()
)


def turn_gate(loop: Optional[asyncio.AbstractEventLoop] = None) -> TurnGate:
    """The gate shared by all channels running turns on this event loop."""
    loop = loop or asyncio.get_running_loop()
    gate = _gates.get(loop)
    if gate is None:
        gate = _gates[loop] = TurnGate(configured_limit())
    return gate
