"""HTTP load: latency levels and the 50 x 10 conversation load test.

Every request is ``POST /webhooks/rest/webhook`` on a fresh conversation id owned by one client;
a client sends its conversation's turns one after the other (waits for each reply), so
``clients`` is the number of requests in flight. Questions are the development-set questions of both
languages (in-scope and out-of-scope), shuffled with a fixed seed: both bots get the same ones.
"""
from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import aiohttp

from bot.devtools.bench.servers import answered


#: Intents whose answer ends the bot's part of a conversation: a request for a human agent
#: pauses it (the bot then stays silent by design), so every later turn of a load
#: conversation would count as lost.
NOT_IN_LOAD = frozenset({"human_handoff"})


def question_pool(devset: Dict[str, List[tuple]], seed: int = 7) -> List[str]:
    """The development-set questions (both languages) in a fixed shuffled order, without the
    requests for a human agent (see ``NOT_IN_LOAD``)."""
    texts = [
        text for pairs in devset.values() for text, intent in pairs if intent not in NOT_IN_LOAD
    ]
    random.Random(seed).shuffle(texts)
    return texts


def conversations(pool: Sequence[str], count: int, turns: int, offset: int = 0) -> List[List[str]]:
    """`count` conversations of `turns` questions taken cyclically from the pool."""
    out = []
    k = offset
    for _ in range(count):
        out.append([pool[(k + j) % len(pool)] for j in range(turns)])
        k += turns
    return out


def percentile(values: Sequence[float], q: float) -> Optional[float]:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, int(-(-q * len(ordered) // 100)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass
class LevelResult:
    clients: int
    requests: int
    wall_seconds: float
    latencies_ms: List[float]
    failures: int
    unanswered: int
    senders: Dict[str, List[str]] = field(default_factory=dict)

    @property
    def throughput(self) -> float:
        return self.requests / self.wall_seconds if self.wall_seconds else 0.0

    def summary(self) -> Dict[str, float]:
        lat = self.latencies_ms
        return {
            "clients": self.clients,
            "requests": self.requests,
            "wall_seconds": round(self.wall_seconds, 3),
            "throughput_msg_s": round(self.throughput, 2),
            "p50_ms": round(percentile(lat, 50) or 0, 2),
            "p95_ms": round(percentile(lat, 95) or 0, 2),
            "p99_ms": round(percentile(lat, 99) or 0, 2),
            "mean_ms": round(statistics.fmean(lat), 2) if lat else 0,
            "max_ms": round(max(lat), 2) if lat else 0,
            "failures": self.failures,
            "unanswered": self.unanswered,
        }


async def _run(
    url: str, convs: List[List[str]], clients: int, prefix: str, timeout: float
) -> LevelResult:
    queue: asyncio.Queue = asyncio.Queue()
    for i, conv in enumerate(convs):
        queue.put_nowait((f"{prefix}-{i:04d}", conv))
    latencies: List[float] = []
    senders: Dict[str, List[str]] = {}
    counters = {"failures": 0, "unanswered": 0, "requests": 0}
    connector = aiohttp.TCPConnector(limit=clients, force_close=False)
    client_timeout = aiohttp.ClientTimeout(total=timeout)

    async def worker(session: aiohttp.ClientSession) -> None:
        while True:
            try:
                sender, conv = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            senders[sender] = conv
            for text in conv:
                t = time.perf_counter()
                reply = None
                try:
                    async with session.post(url, json={"sender": sender, "message": text}) as r:
                        raw = await r.read()
                        if r.status == 200:
                            reply = json.loads(raw)
                except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
                    reply = None
                latencies.append((time.perf_counter() - t) * 1000)
                counters["requests"] += 1
                if reply is None:
                    counters["failures"] += 1
                elif not answered(reply):
                    counters["unanswered"] += 1

    async with aiohttp.ClientSession(connector=connector, timeout=client_timeout) as session:
        t0 = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(clients)))
        wall = time.perf_counter() - t0
    return LevelResult(
        clients=clients,
        requests=counters["requests"],
        wall_seconds=wall,
        latencies_ms=latencies,
        failures=counters["failures"],
        unanswered=counters["unanswered"],
        senders=senders,
    )


def run_level(
    url: str,
    pool: Sequence[str],
    clients: int,
    requests: int,
    turns: int,
    prefix: str,
    offset: int = 0,
    timeout: float = 60.0,
) -> LevelResult:
    """`requests` messages in conversations of `turns` turns, `clients` at a time."""
    convs = conversations(pool, max(1, requests // turns), turns, offset)
    return asyncio.run(_run(url, convs, clients, prefix, timeout))


def tracker_user_events(db: Path, prefix: str) -> Dict[str, List[str]]:
    """User message texts per conversation (in event order) from the SQLTrackerStore."""
    out: Dict[str, List[str]] = {}
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        rows = connection.execute(
            "SELECT sender_id, data FROM events WHERE type_name = 'user' AND sender_id LIKE ? "
            "ORDER BY id",
            (prefix + "%",),
        ).fetchall()
    for sender, data in rows:
        out.setdefault(sender, []).append(json.loads(data).get("text"))
    return out


def check_tracker(db: Path, result: LevelResult, prefix: str) -> Dict[str, int]:
    """Compares the stored user events with what was sent, conversation by conversation."""
    stored = tracker_user_events(db, prefix)
    exact = lost = duplicated = reordered = 0
    for sender, sent in result.senders.items():
        got = stored.get(sender, [])
        if got == sent:
            exact += 1
        elif len(got) < len(sent):
            lost += 1
        elif len(got) > len(sent):
            duplicated += 1
        else:
            reordered += 1
    return {
        "conversations": len(result.senders),
        "exact": exact,
        "lost": lost,
        "duplicated": duplicated,
        "mismatched": reordered,
        "unexpected_senders": len(set(stored) - set(result.senders)),
        "user_events": sum(len(v) for v in stored.values()),
        "expected_user_events": sum(len(v) for v in result.senders.values()),
    }
