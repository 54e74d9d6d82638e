"""One sender floods the bot: other users' answers stay about as fast as without the flood.

300 concurrent messages from one sender, each calling a custom action, against a bot whose
backlog cap is raised so that all 300 are queued (the hardest case for the scheduling: with the
default cap all but a few are refused at once with 429). Other users' latency (p95) while the
flood is queued is compared with their latency measured just before, in the same run.
"""
from __future__ import annotations

import asyncio
import math
import shutil
import time
from typing import Iterator, List

import aiohttp
import pytest

from tests.faults.bots import Bot, make_bot

pytestmark = pytest.mark.faults

FLOOD = 300
USERS = 3
QUESTIONS = [
    "can I use the app in Fujian?",
    "which documents do I upload?",
    "max file size?",
    "personal filing in Xinjiang, how to sign?",
    "图片传不上去",
]
ROUNDS = 4  # each user asks every question this many times (60 samples per phase)


@pytest.fixture(scope="module")
def flood_bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    workdir = tmp_path_factory.mktemp("flood-bot")
    bot = make_bot(workdir, MAX_PENDING_PER_SENDER=str(FLOOD + 10))
    bot.start()
    yield bot
    bot.stop()
    shutil.rmtree(workdir, ignore_errors=True)


def p95(values: List[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


async def ask(session: aiohttp.ClientSession, url: str, sender: str, message: str) -> float:
    started = time.monotonic()
    async with session.post(url, json={"sender": sender, "message": message}) as reply:
        body = await reply.json()
    assert reply.status == 200 and body, body
    return time.monotonic() - started


async def users(session: aiohttp.ClientSession, url: str, tag: str) -> List[float]:
    """``USERS`` users, each asking its questions one after another; their latencies."""

    async def user(n: int) -> List[float]:
        return [
            await ask(session, url, f"{tag}-user-{n}", question)
            for question in QUESTIONS * ROUNDS
        ]

    return [t for times in await asyncio.gather(*(user(n) for n in range(USERS))) for t in times]


def test_a_flood_from_one_sender_does_not_hold_the_others(flood_bot: Bot) -> None:
    url = flood_bot.url + "/webhooks/rest/webhook"

    async def run() -> tuple:
        timeout = aiohttp.ClientTimeout(total=900)
        connector = aiohttp.TCPConnector(limit=0)  # the flood's 300 requests at once
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
            await users(session, url, "warmup")
            baseline = await users(session, url, "baseline")
            flood = [
                asyncio.create_task(ask(session, url, "flooder", QUESTIONS[0]))
                for _ in range(FLOOD)
            ]
            await asyncio.sleep(1)  # every flood request has arrived and queued
            during = await users(session, url, "during")
            still_queued = sum(not f.done() for f in flood)
            flood_times = await asyncio.gather(*flood)
            return baseline, during, still_queued, flood_times

    baseline, during, still_queued, flood_times = asyncio.run(run())
    report = (
        f"other users' p95: {p95(baseline):.2f}s without the flood, {p95(during):.2f}s during it "
        f"({p95(during) / p95(baseline):.2f}x); flood: {still_queued} of {FLOOD} still queued "
        f"when the others were done, last answered after {max(flood_times):.1f}s"
    )
    print(report)
    # The flood was really in the way while the others were measured.
    assert still_queued > FLOOD // 2, report
    assert p95(during) <= 2 * p95(baseline), report
