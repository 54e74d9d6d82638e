"""The retry cache: one owner per key, bounded, expiring."""

from __future__ import annotations

import pytest

from bot.channels.wechat.dedup import OnceCache


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.asyncio
async def test_the_first_claim_owns_the_key_and_later_ones_share_its_future():
    cache: OnceCache[str] = OnceCache()
    future, first = cache.claim("m1")
    again, second = cache.claim("m1")
    assert first and not second and again is future
    future.set_result("reply")
    assert await cache.claim("m1")[0] == "reply"
    assert cache.claim("m2")[1]


@pytest.mark.asyncio
async def test_entries_expire():
    clock = Clock()
    cache: OnceCache[str] = OnceCache(ttl=60, clock=clock)
    cache.claim("m1")
    clock.now = 59.9
    assert not cache.claim("m1")[1]
    clock.now = 60.0
    assert cache.get("m1") is None
    assert cache.claim("m1")[1]


@pytest.mark.asyncio
async def test_the_cache_is_bounded_dropping_the_oldest():
    cache: OnceCache[str] = OnceCache(max_entries=3)
    for key in ["a", "b", "c", "d", "e"]:
        cache.claim(key)
    assert len(cache) == 3
    assert cache.get("a") is None and cache.get("b") is None and cache.get("e") is not None
