"""Latency against turn number: one long conversation, one message at a time.

A conversation of ``turns`` messages (120 by default) cycles through a fixed mix of FAQ
questions, province and applicant details and small talk in both languages, so turns 1-20 and
101-120 ask the same questions. The target is about what the 100th turn costs compared with the
first ones: the median of turns 101-120 within 1.25x the median of turns 1-20.
"""
from __future__ import annotations

import statistics
import time
from typing import Any, Dict, List, Optional, Sequence

from bot.devtools.bench.servers import answered, post

# 12 messages, a multiple of nothing in 20, so each window of 20 turns sees all of them.
LONG_CONVERSATION = (
    "what documents do i need to upload for icp filing",
    "i'm in beijing",
    "how do i get the domain certificate from alibaba cloud",
    "we're a business",
    "备案需要上传哪些材料",
    "jinan, shandong",
    "does the authenticity statement have to be signed by hand",
    "what do i need in shanghai",
    "can i upload with the app",
    "上传失败怎么办",
    "what are the photo requirements for the id card",
    "thanks",
)
WINDOW = 20
TARGET_RATIO = 1.25


def messages(turns: int) -> List[str]:
    """The conversation's messages, cycling through :data:`LONG_CONVERSATION`."""
    return [LONG_CONVERSATION[i % len(LONG_CONVERSATION)] for i in range(turns)]


def run_conversation(url: str, sender: str, turns: int = 120, timeout: float = 30.0) -> Dict[str, Any]:
    """Sends the conversation over the REST channel, waiting for each reply."""
    latencies: List[float] = []
    unanswered = 0
    for text in messages(turns):
        t = time.perf_counter()
        reply = post(url, sender, text, timeout=timeout)
        latencies.append(round((time.perf_counter() - t) * 1000, 3))
        unanswered += not answered(reply)
    return {"sender": sender, "latencies_ms": latencies, "unanswered": unanswered}


def _median(values: Sequence[float]) -> Optional[float]:
    return statistics.median(values) if values else None


def summarise(latencies: Sequence[float], window: int = WINDOW) -> Dict[str, Any]:
    """Medians per window of turns, and last window / first window.

    With 120 turns: ``first_ms`` is the median of turns 1-20, ``last_ms`` of turns 101-120.
    """
    windows = [
        {"turns": f"{start + 1}-{min(start + window, len(latencies))}",
         "median_ms": round(_median(latencies[start:start + window]), 2)}
        for start in range(0, len(latencies), window)
    ]
    first = _median(latencies[:window])
    last_start = (len(latencies) - 1) // window * window if latencies else 0
    last = _median(latencies[last_start:]) if len(latencies) > window else None
    ratio = last / first if first and last is not None else None
    return {
        "turns": len(latencies),
        "first_ms": None if first is None else round(first, 2),
        "last_ms": None if last is None else round(last, 2),
        "ratio": None if ratio is None else round(ratio, 3),
        "windows": windows,
        "passed": None if ratio is None else ratio <= TARGET_RATIO,
    }
