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

Fairness between senders (``FairTurnGate``): Rasa runs one conversation's turns one at a time
(its conversation lock, which a waiting turn polls once a second). Were turns admitted to the
gate before that lock, one sender's backlog (a client firing 300 messages at once) would fill
every place with turns that only wait for their own conversation, and everyone else would queue
behind them. So each sender's turns first line up in a queue of their own, and only the head of
that line competes for a place: a sender holds at most one place, and at most one of its turns
waits at the gate, however many it sent. Its turns still run in the order they arrived.

One place is still a share of the CPU (a turn is mostly CPU work on the event loop), and a
flooder's turns grow slower as its conversation grows. So a sender with a backlog (more of its
turns queued behind the one at the head) gives way: its next turn starts when no turn of another
sender is running or waiting, or after ``BULK_MAX_WAIT`` seconds at the latest (so it is never
starved). A person who sends two messages in a row is not affected (the second has nothing
behind it).

The channels cap a sender's backlog (``MAX_PENDING_PER_SENDER``, turns queued or running): they
set the cap for the turn they hand over with ``pending_cap`` and the gate refuses a turn over it
with ``TooManyPending``, which says when to try again (REST answers 429 with Retry-After,
socket.io a "one moment" message). Setting the cap and counting the turn happen without an
``await`` in between, so concurrent requests cannot all slip under it.
"""
from __future__ import annotations

import asyncio
import contextvars
import math
import time
import weakref
from collections import deque
from contextlib import asynccontextmanager
import logging
from typing import AsyncIterator, Deque, Dict, Optional
from bot import settings

logger = logging.getLogger(__name__)

LIMIT_ENV = "MAX_CONCURRENT_TURNS"
DEFAULT_LIMIT = 4
DEFAULT_PENDING_CAP = 5


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


class TooManyPending(Exception):
    """A sender already has as many turns queued or running as the channel allows."""

    def __init__(self, sender_id: str, pending: int, retry_after: int) -> None:
        super().__init__(f"{sender_id} has {pending} turns pending")
        self.sender_id = sender_id
        self.pending = pending
        #: Whole seconds after which the backlog is likely answered (for Retry-After).
        self.retry_after = retry_after


#: The backlog cap of the turn being handed over, set by the channel (None: no cap). A context
#: variable, because the channel and the gate only share ``Agent.handle_message(message)``.
pending_cap: "contextvars.ContextVar[Optional[int]]" = contextvars.ContextVar(
    "pending_cap", default=None
)


class _SenderLine:
    """One sender's turns: a FIFO of one place in front of the shared gate, and a count."""

    __slots__ = ("line", "count")

    def __init__(self) -> None:
        self.line = TurnGate(1)
        self.count = 0


class FairTurnGate:
    """``TurnGate`` with one queue per sender in front of it (see the module docstring)."""

    #: Weight of the newest turn in the running mean of turn durations (for Retry-After).
    SMOOTHING = 0.2
    #: Longest a backlogged sender's turn gives way to other senders' turns, in seconds.
    BULK_MAX_WAIT = 5.0

    def __init__(self, limit: int) -> None:
        """Creates a gate.

        Args:
            limit: Turns of different senders admitted at once; 0 or less admits everything
                (a sender's turns still run one after another).
        """
        self.gate = TurnGate(limit)
        self._senders: Dict[str, _SenderLine] = {}
        self.mean_turn_seconds = 1.0
        # Turns of senders without a backlog, waiting or running; set when there are none.
        self._interactive = 0
        self._no_interactive = asyncio.Event()
        self._no_interactive.set()

    @property
    def limit(self) -> int:
        """Turns admitted at once."""
        return self.gate.limit

    @property
    def waiting(self) -> int:
        """Number of turns queued at the shared gate (at most one per sender)."""
        return self.gate.waiting

    def pending(self, sender_id: str) -> int:
        """The sender's turns queued or running."""
        line = self._senders.get(sender_id)
        return line.count if line else 0

    def retry_after(self, sender_id: str) -> int:
        """Seconds after which the sender's backlog is likely answered (at least 1)."""
        return max(1, math.ceil(self.pending(sender_id) * self.mean_turn_seconds))

    @asynccontextmanager
    async def turn(self, sender_id: str, cap: Optional[int] = None) -> AsyncIterator[None]:
        """``async with gate.turn(sender_id):`` around one turn of that sender.

        Args:
            sender_id: The conversation the turn belongs to.
            cap: Most turns of this sender queued or running; None for no cap.

        Raises:
            TooManyPending: The sender already has ``cap`` turns pending (nothing was queued).
        """
        line = self._senders.get(sender_id)
        if line is None:
            line = self._senders[sender_id] = _SenderLine()
        if cap is not None and line.count >= cap:
            raise TooManyPending(sender_id, line.count, self.retry_after(sender_id))
        line.count += 1
        try:
            async with line.line.turn():  # the sender's own turns, in arrival order
                if line.count > 1:  # a backlog: give way to the others for a while
                    try:
                        await asyncio.wait_for(self._no_interactive.wait(), self.BULK_MAX_WAIT)
                    except asyncio.TimeoutError:
                        pass
                    interactive = False
                else:
                    interactive = True
                    self._interactive += 1
                    self._no_interactive.clear()
                try:
                    async with self.gate.turn():  # then a place shared with everyone
                        started = time.monotonic()
                        try:
                            yield
                        finally:
                            self.mean_turn_seconds += self.SMOOTHING * (
                                time.monotonic() - started - self.mean_turn_seconds
                            )
                finally:
                    if interactive:
                        self._interactive -= 1
                        if self._interactive == 0:
                            self._no_interactive.set()
        finally:
            line.count -= 1
            if line.count == 0 and self._senders.get(sender_id) is line:
                del self._senders[sender_id]  # no memory kept for senders that went quiet


def configured_limit() -> int:
    """``MAX_CONCURRENT_TURNS`` as an int (``DEFAULT_LIMIT`` when invalid, logged)."""
    try:
        return settings.get_int("MAX_CONCURRENT_TURNS", minimum=1)
    except settings.SettingError as e:
        logger.error("%s; using %d", e, DEFAULT_LIMIT)
        return DEFAULT_LIMIT


def configured_pending_cap() -> int:
    """``MAX_PENDING_PER_SENDER`` as an int (``DEFAULT_PENDING_CAP`` when invalid, logged)."""
    try:
        return settings.get_int("MAX_PENDING_PER_SENDER", minimum=1)
    except settings.SettingError as e:
        logger.error("%s; using %d", e, DEFAULT_PENDING_CAP)
        return DEFAULT_PENDING_CAP


_gates: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, FairTurnGate]" = (
    weakref.WeakKeyDictionary()
)


def turn_gate(loop: Optional[asyncio.AbstractEventLoop] = None) -> FairTurnGate:
    """The gate shared by all channels running turns on this event loop."""
    loop = loop or asyncio.get_running_loop()
    gate = _gates.get(loop)
    if gate is None:
        gate = _gates[loop] = FairTurnGate(configured_limit())
    return gate
