"""Handling each platform message once, and answering its retries alike.

The platform resends a message (up to three times) when it got no reply within 5 seconds; a
retry may arrive while the first copy is still being handled. ``OnceCache`` maps each message
key to a future of its reply: the first request for a key does the work and sets the result,
every later request for the same key awaits that same future, so the turn runs once and every
copy gets the same reply, whatever the timing.

Entries live ``ttl`` seconds (the platform's retries come within about 15 seconds) and at most
``max_entries`` are kept, oldest dropped first, so the cache is bounded under any traffic.
It is per process: with several Sanic workers a retry that reaches another worker is not seen
here (the channel then falls back on the conversation's tracker, see ``channel.py``).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from typing import Callable, Generic, Optional, Text, Tuple, TypeVar

T = TypeVar("T")

DEFAULT_TTL_SECONDS = 60.0
DEFAULT_MAX_ENTRIES = 10_000


class OnceCache(Generic[T]):
    """A bounded, expiring map from message key to the future of its reply."""

    def __init__(
        self,
        ttl: float = DEFAULT_TTL_SECONDS,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Creates an empty cache.

        Args:
            ttl: Seconds an entry is kept after it was created.
            max_entries: Entries kept at most; the oldest go first.
            clock: Monotonic time source (replaced in tests).
        """
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._entries: "OrderedDict[Text, Tuple[float, asyncio.Future]]" = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def _evict(self, now: float) -> None:
        while self._entries:
            key, (created, _) = next(iter(self._entries.items()))
            if now - created < self.ttl and len(self._entries) < self.max_entries:
                break
            del self._entries[key]

    def claim(self, key: Text) -> Tuple["asyncio.Future[T]", bool]:
        """The future for ``key``, and whether this caller is the first (and must resolve it).

        The caller that gets ``True`` must eventually set a result on the future (also on
        failure), or the copies waiting on it time out.
        """
        now = self._clock()
        entry = self._entries.get(key)
        if entry is not None and now - entry[0] < self.ttl:
            return entry[1], False
        self._entries.pop(key, None)
        self._evict(now)
        future: "asyncio.Future[T]" = asyncio.get_running_loop().create_future()
        self._entries[key] = (now, future)
        return future, True

    def get(self, key: Text) -> Optional["asyncio.Future[T]"]:
        """The live future for ``key``, if any (for tests and diagnostics)."""
        entry = self._entries.get(key)
        if entry is None or self._clock() - entry[0] >= self.ttl:
            return None
        return entry[1]
