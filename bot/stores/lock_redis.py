"""A Redis conversation lock that is safe across several Rasa instances.

Rasa serialises the turns of one conversation with a ticket lock from its lock store. Rasa
3.6's ``RedisLockStore`` keeps each conversation's ticket queue as one JSON value that every
instance reads, changes and writes back without any atomicity (RasaHQ/rasa#11256; the fix was
reverted in #11428). Two instances that issue a ticket at the same moment both read the same
queue, both take the same ticket number and one overwrites the other's write: both then process
the conversation at once, and the SQL tracker store, which appends "the events it has not seen
yet", loses or duplicates the events of one of the turns.

``AtomicRedisLockStore`` keeps the queue in Redis data structures and changes it only in Lua
scripts, which Redis runs atomically:

- ``<prefix><conversation>:n`` is a counter; ``INCR`` gives every request a ticket number, so
  turns are served first come, first served.
- ``<prefix><conversation>:q`` is a sorted set of the waiting tickets (member ``"<n>:<token>"``,
  score ``n``): the head of the queue holds the lock. The random token makes a ticket's owner
  unique even when the counter starts again, so nobody can release someone else's ticket.
- ``<prefix><conversation>:d`` is a sorted set of each ticket's deadline (server time in ms): a
  waiter renews its deadline on every poll and loses its place ``waiter_ttl`` seconds after it
  stopped polling; the holder keeps the lock for at most the lock lifetime Rasa asks for
  (``TICKET_LOCK_LIFETIME``, 60 s by default). A crashed instance therefore blocks a
  conversation for at most that long, never forever.

Deadlines use the Redis server's clock, so instances with skewed clocks agree on expiry. Every
key also expires by itself when nobody has touched it for a while.

When Redis cannot be reached the turn is processed without the lock (and logged as an error):
an unlocked turn can only clash with a concurrent message of the same conversation, while
refusing every turn would take the whole assistant down. The health endpoint reports it.
"""
from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any, Optional, Text

import redis.asyncio as redis
from rasa.core.lock_store import LockError
from rasa.utils.endpoints import EndpointConfig

from bot.stores.lock_base import QueuedLockStore

logger = logging.getLogger(__name__)

DEFAULT_KEY_PREFIX = "icp:lock:"
DEFAULT_POLL_INTERVAL = 0.05
# Long enough to survive a busy event loop (the SQL tracker store and NLU block it), short
# enough that a crashed instance's queued tickets do not hold up a conversation for long.
DEFAULT_WAITER_TTL = 10.0
DEFAULT_SOCKET_TIMEOUT = 5.0

# Shared prologue: the server's time in ms, and removal of every ticket whose deadline passed.
_PURGE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)
for _, member in ipairs(expired) do
  redis.call('ZREM', KEYS[2], member)
  redis.call('ZREM', KEYS[3], member)
end
"""

# KEYS: counter, queue, deadlines. ARGV: token, waiter ttl ms, key ttl ms.
# Returns the new ticket's member.
_ISSUE = (
    _PURGE
    + """
local n = redis.call('INCR', KEYS[1])
local member = n .. ':' .. ARGV[1]
redis.call('ZADD', KEYS[2], n, member)
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[2]), member)
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[3]) end
return member
"""
)

# KEYS: counter, queue, deadlines. ARGV: member, waiter ttl ms, holder ttl ms, key ttl ms.
# Returns 0 when the ticket now holds the lock, its (positive) place in the queue while it
# waits, or -1 when it expired.
_ACQUIRE = (
    _PURGE
    + """
if not redis.call('ZSCORE', KEYS[2], ARGV[1]) then return -1 end
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[4]) end
if redis.call('ZRANGE', KEYS[2], 0, 0)[1] == ARGV[1] then
  redis.call('ZADD', KEYS[3], now + tonumber(ARGV[3]), ARGV[1])
  return 0
end
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[2]), ARGV[1])
return redis.call('ZRANK', KEYS[2], ARGV[1])
"""
)

# KEYS: counter, queue, deadlines. ARGV: member.
_RELEASE = """
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
if redis.call('ZCARD', KEYS[2]) == 0 then redis.call('DEL', KEYS[1], KEYS[3]) end
return 1
"""


class AtomicRedisLockStore(QueuedLockStore):
    """FIFO conversation locks in Redis with atomic check-and-set and expiry.

    Configured in endpoints.yml::

        lock_store:
          type: bot.stores.lock_redis.AtomicRedisLockStore
          url: redis://[:password@]host:port/db     # rediss:// for TLS
          key_prefix: "icp:lock:"      # optional
          poll_interval: 0.05          # optional, seconds between checks while waiting
          waiter_ttl: 10               # optional, seconds a silent waiter keeps its place

    Only :meth:`lock` is used by Rasa (agent, processor and HTTP API all go through it), so the
    ticket bookkeeping methods of :class:`LockStore` are not implemented.

    Args:
        endpoint_config: The ``lock_store`` section of endpoints.yml (Rasa passes it).
        url: Redis URL; overrides ``endpoint_config.url`` (tests).
        key_prefix: Prefix of every key this store writes.
        poll_interval: Seconds between two checks of a waiting ticket.
        waiter_ttl: Seconds after which a waiting ticket that stopped polling loses its place.
        socket_timeout: Seconds before a Redis command counts as failed.
    """

    def __init__(
        self,
        endpoint_config: Optional[EndpointConfig] = None,
        url: Optional[Text] = None,
        key_prefix: Text = DEFAULT_KEY_PREFIX,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        waiter_ttl: float = DEFAULT_WAITER_TTL,
        socket_timeout: float = DEFAULT_SOCKET_TIMEOUT,
    ) -> None:
        options: dict[str, Any] = dict(endpoint_config.kwargs) if endpoint_config else {}
        url = url or (endpoint_config.url if endpoint_config else None)
        if not url:
            raise ValueError(
                "AtomicRedisLockStore needs a Redis URL (lock_store url in endpoints.yml)"
            )
        self.key_prefix = str(options.get("key_prefix", key_prefix))
        self.poll_interval = float(options.get("poll_interval", poll_interval))
        self.waiter_ttl = float(options.get("waiter_ttl", waiter_ttl))
        timeout = float(options.get("socket_timeout", socket_timeout))
        self.redis = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        self._issue = self.redis.register_script(_ISSUE)
        self._acquire = self.redis.register_script(_ACQUIRE)
        self._release = self.redis.register_script(_RELEASE)
        super().__init__()

    def _keys(self, conversation_id: Text) -> list[str]:
        base = self.key_prefix + conversation_id
        return [base + ":n", base + ":q", base + ":d"]

    async def ping(self) -> None:
        """Checks that Redis answers.

        Raises:
            redis.RedisError: Redis cannot be reached.
        """
        await self.redis.ping()

    async def _wait_for_turn(self, conversation_id: Text, lock_lifetime: float) -> Optional[Text]:
        keys = self._keys(conversation_id)
        waiter_ms = int(self.waiter_ttl * 1000)
        holder_ms = int(lock_lifetime * 1000)
        key_ttl_ms = max(waiter_ms, holder_ms) * 2
        try:
            ticket = (
                await self._issue(keys=keys, args=[uuid.uuid4().hex, waiter_ms, key_ttl_ms])
            ).decode()
        except redis.RedisError as e:
            logger.error(
                "Lock store unreachable (%s); handling conversation %s without its lock",
                type(e).__name__,
                conversation_id,
            )
            return None
        try:
            while True:
                place = await self._acquire(
                    keys=keys, args=[ticket, waiter_ms, holder_ms, key_ttl_ms]
                )
                if place == 0:
                    return ticket
                if place < 0:
                    raise LockError(
                        f"Ticket {ticket} of conversation '{conversation_id}' expired while "
                        f"waiting for the lock."
                    )
                await asyncio.sleep(self.poll_interval)
        except redis.RedisError as e:
            logger.error(
                "Lock store failed while waiting (%s); handling conversation %s without its lock",
                type(e).__name__,
                conversation_id,
            )
            await self._release_quietly(conversation_id, ticket)
            return None
        except BaseException:
            # Cancelled (client gone, response timeout) or expired: leave the queue at once
            # rather than making the turns behind wait for the ticket to time out.
            await asyncio.shield(self._release_quietly(conversation_id, ticket))
            raise

    async def _release_quietly(self, conversation_id: Text, ticket: Text) -> None:
        try:
            await self._release(keys=self._keys(conversation_id), args=[ticket])
        except redis.RedisError as e:
            # The ticket expires by itself; the turn's reply must not fail because of it.
            logger.error(
                "Could not release lock ticket %s of %s (%s)",
                ticket,
                conversation_id,
                type(e).__name__,
            )
