"""Capacity at a latency target: open-loop Poisson arrivals at rising fixed rates.

``python -m bot.devtools.bench.capacity --url URL --json OUT [--rates 5,10,...] [--seconds 15]``
is the load generator, run by ``python -m bot.devtools.bench`` as its own process so that its
CPU use is measured and reported apart from the bot's (2 shared cores: a generator that took
a core would halve what the bot can do).

Open loop: messages arrive at exponential intervals whatever the bot's replies (as independent
users do), unlike closed-loop clients that wait for each reply and so slow down with the bot
(latency = clients / throughput). Each arrival is the next message of an idle conversation
(5 turns, development-set questions; a new conversation when none is idle), so no user sends
a message before their previous one was answered. A step passes when the p95 latency is under
100 ms and no message is lost (no error, timeout or empty reply); the capacity is the highest
passing rate. The ladder stops after the first failing step.

``--soak-rate R --soak-seconds S`` runs one long step instead (``make bench BENCH_ARGS=--soak``):
latency per minute and every message sent, for the caller to check the tracker store.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Deque, Dict, List, Optional, Sequence

P95_TARGET_MS = 100.0
DEFAULT_RATES = (1, 2, 5, 10, 20, 30, 40, 50, 60, 80, 100, 120, 150, 200, 250)
TURNS = 5


@dataclass
class Conversation:
    sender: str
    sent: List[str] = field(default_factory=list)


@dataclass
class StepResult:
    rate: float
    seconds: float
    arrivals: int
    latencies_ms: List[float]
    lost: int
    wall_seconds: float
    cpu_seconds: float
    lag_ms: List[float]
    minutes: List[List[float]] = field(default_factory=list)


def percentile(values: Sequence[float], q: float) -> Optional[float]:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, int(-(-q * len(ordered) // 100)))
    return ordered[min(rank, len(ordered)) - 1]


def step_summary(step: StepResult, target_ms: float = P95_TARGET_MS) -> Dict[str, Any]:
    """Figures of one step; ``passed``: p95 under the target and nothing lost."""
    lat = step.latencies_ms
    p95 = percentile(lat, 95)
    return {
        "offered_rate": step.rate,
        "seconds": step.seconds,
        "arrivals": step.arrivals,
        "answered": len(lat) - step.lost,
        "lost": step.lost,
        "achieved_rate": round(step.arrivals / step.wall_seconds, 2) if step.wall_seconds else 0,
        "p50_ms": round(percentile(lat, 50) or 0, 2),
        "p95_ms": round(p95 or 0, 2),
        "p99_ms": round(percentile(lat, 99) or 0, 2),
        # Share of one core the generator used; its lag behind the schedule (a generator that
        # cannot keep up offers less than the nominal rate).
        "generator_cpu_share": round(step.cpu_seconds / step.wall_seconds, 3) if step.wall_seconds else 0,
        "generator_lag_p95_ms": round(percentile(step.lag_ms, 95) or 0, 2),
        "passed": bool(lat) and step.lost == 0 and p95 is not None and p95 < target_ms,
    }


def capacity(steps: Sequence[Dict[str, Any]]) -> Optional[float]:
    """Highest offered rate of a passing step below the first failing one (None: none passed)."""
    best = None
    for step in sorted(steps, key=lambda s: s["offered_rate"]):
        if not step["passed"]:
            break
        best = step["offered_rate"]
    return best


def arrival_times(rate: float, seconds: float, rng: random.Random) -> List[float]:
    """Poisson arrivals: exponential gaps of mean 1/rate, within `seconds`."""
    out, t = [], 0.0
    while True:
        t += rng.expovariate(rate)
        if t >= seconds:
            return out
        out.append(t)


def _answered(reply: Any) -> bool:
    return bool(reply) and any(
        isinstance(m, dict) and (m.get("text") or m.get("buttons") or m.get("image")) for m in reply
    )


async def run_step(
    url: str, pool: Sequence[str], rate: float, seconds: float, prefix: str, seed: int,
    timeout: float = 10.0, conversations: Optional[List[Conversation]] = None,
) -> StepResult:
    """One step of Poisson arrivals at `rate` per second for `seconds`."""
    import aiohttp

    rng = random.Random(seed)
    times = arrival_times(rate, seconds, rng)
    idle: Deque[Conversation] = deque()
    made = conversations if conversations is not None else []
    latencies: List[float] = []
    lags: List[float] = []
    minutes: List[List[float]] = []
    lost = 0
    question = iter(range(10**9))

    async def send(session: aiohttp.ClientSession, conv: Conversation, at: float) -> None:
        nonlocal lost
        text = pool[next(question) % len(pool)]
        conv.sent.append(text)
        t = time.perf_counter()
        reply = None
        try:
            async with session.post(url, json={"sender": conv.sender, "message": text}) as r:
                raw = await r.read()
                if r.status == 200:
                    reply = json.loads(raw)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
            reply = None
        ms = (time.perf_counter() - t) * 1000
        latencies.append(ms)
        minute = int(at // 60)
        while len(minutes) <= minute:
            minutes.append([])
        minutes[minute].append(ms)
        lost += not _answered(reply)
        if len(conv.sent) < TURNS:
            idle.append(conv)

    connector = aiohttp.TCPConnector(limit=0)
    cpu0, wall0 = os.times(), time.perf_counter()
    async with aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=timeout)
    ) as session:
        tasks = []
        for at in times:
            delay = wall0 + at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            lags.append(max(0.0, -delay) * 1000)
            if idle:
                conv = idle.popleft()
            else:
                conv = Conversation(f"{prefix}-{len(made):05d}")
                made.append(conv)
            tasks.append(asyncio.ensure_future(send(session, conv, at)))
        await asyncio.gather(*tasks)
    wall = time.perf_counter() - wall0
    cpu1 = os.times()
    return StepResult(
        rate=rate, seconds=seconds, arrivals=len(times), latencies_ms=latencies, lost=lost,
        wall_seconds=wall, cpu_seconds=(cpu1.user - cpu0.user) + (cpu1.system - cpu0.system),
        lag_ms=lags, minutes=minutes,
    )


def run_ladder(
    url: str, pool: Sequence[str], rates: Sequence[float], seconds: float, prefix: str,
) -> Dict[str, Any]:
    """Rising steps until one fails; the steps' figures and the capacity."""
    steps = []
    for i, rate in enumerate(rates):
        result = asyncio.run(run_step(url, pool, rate, seconds, f"{prefix}-r{rate:g}", seed=100 + i))
        summary = step_summary(result)
        steps.append(summary)
        print(f"[capacity] {rate:g}/s: p95 {summary['p95_ms']:.1f} ms, lost {summary['lost']}, "
              f"generator {100 * summary['generator_cpu_share']:.0f}% of a core", flush=True)
        if not summary["passed"]:
            break
        time.sleep(1.0)  # let the bot's queues drain between steps
    return {"steps": steps, "capacity": capacity(steps), "p95_target_ms": P95_TARGET_MS,
            # Every step passed: the capacity is at least the highest rate tried.
            "lower_bound": all(step["passed"] for step in steps),
            "lowest_rate": min(rates) if rates else None}


def run_soak(url: str, pool: Sequence[str], rate: float, seconds: float, prefix: str) -> Dict[str, Any]:
    """One long step; p95 per minute and the messages each conversation sent."""
    conversations: List[Conversation] = []
    result = asyncio.run(run_step(url, pool, rate, seconds, prefix, seed=7,
                                  conversations=conversations))
    summary = step_summary(result)
    per_minute = [round(percentile(m, 95) or 0, 2) for m in result.minutes]
    summary.update(
        p95_per_minute_ms=per_minute,
        p95_first_minute_ms=per_minute[0] if per_minute else None,
        p95_last_minute_ms=per_minute[-1] if per_minute else None,
        senders={c.sender: c.sent for c in conversations},
    )
    return summary


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--json", type=Path, required=True)
    parser.add_argument("--prefix", default="bench-cap")
    parser.add_argument("--rates", default=",".join(f"{r:g}" for r in DEFAULT_RATES))
    parser.add_argument("--seconds", type=float, default=15.0, help="seconds per step")
    parser.add_argument("--soak-rate", type=float)
    parser.add_argument("--soak-seconds", type=float, default=1800.0)
    args = parser.parse_args(argv)

    from bot.devtools.bench.load import question_pool
    from bot.devtools.eval import dev_sets

    pool = question_pool(dev_sets())
    if args.soak_rate:
        out = run_soak(args.url, pool, args.soak_rate, args.soak_seconds, args.prefix)
    else:
        rates = [float(r) for r in args.rates.split(",") if r.strip()]
        out = run_ladder(args.url, pool, rates, args.seconds, args.prefix)
    args.json.write_text(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
