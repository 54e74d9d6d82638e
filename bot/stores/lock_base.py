"""The shared base of our lock stores: one ``lock()`` over a FIFO ticket queue.

Redis (:mod:`bot.stores.lock_redis`) and SQLite (:mod:`bot.stores.lock_sqlite`) keep the
queue where every Rasa process of a deployment can see it; both serve turns first come, first
served with the same semantics, so they share the context manager Rasa calls.
"""
from __future__ import annotations

from contextlib import asynccontextmanager
from typing import AsyncIterator, Optional, Text

from rasa.core.lock_store import LOCK_LIFETIME, LockStore


class QueuedLockStore(LockStore):
    """A lock store whose ``lock`` waits for a ticket in a shared FIFO queue.

    Subclasses keep the queue somewhere every Rasa process can see (Redis, an SQLite file) and
    implement :meth:`_wait_for_turn` and :meth:`_release_quietly`.
    """

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: Text,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncIterator[Optional[Text]]:
        """Holds the conversation's lock for the duration of the ``async with`` block.

        Args:
            conversation_id: The conversation to lock.
            lock_lifetime: Seconds after which the lock is released even if its holder never
                releases it (a crashed process).
            wait_time_in_seconds: Ignored: Rasa's 1 s default would add up to a second to
                every queued turn; waiters poll every ``poll_interval`` instead.

        Yields:
            The ticket held, or None when the queue's store cannot be used and the turn runs
            unlocked (logged as an error: refusing every turn would take the assistant down).

        Raises:
            LockError: The ticket expired while waiting (the event loop was blocked for
                longer than ``waiter_ttl``).
        """
        ticket = await self._wait_for_turn(conversation_id, lock_lifetime)
        try:
            yield ticket
        finally:
            if ticket is not None:
                await self._release_quietly(conversation_id, ticket)

    async def _wait_for_turn(self, conversation_id: Text, lock_lifetime: float) -> Optional[Text]:
        """Queues a ticket and waits until it heads the queue; None if the store is unusable."""
        raise NotImplementedError

    async def _release_quietly(self, conversation_id: Text, ticket: Text) -> None:
        """Removes the ticket from the queue, logging (not raising) errors."""
        raise NotImplementedError
