"""In-process measurements: less noisy than HTTP on a shared machine.

``python -m bot.devtools.bench.inprocess [--model M] [--messages N] [--profile out.html]`` loads the agent
the way ``rasa run`` does (endpoints.yml: SQL tracker store on a temporary SQLite file, the
action server that must already listen on $ACTION_ENDPOINT_URL), then times
``agent.handle_message`` over development-set questions (fresh conversations of 5 turns) and splits
one turn into its stages: NLU parse, tracker store retrieve/save, policy prediction, action
server round trips. With ``--profile`` a pyinstrument profile (if installed) of the loop is
written too.

``--long N`` times one conversation of N turns instead (the mix of
``bot.devtools.bench.turns``): median ms per window of 20 turns, split by stage, to see what
grows with the length of a conversation; ``--history-turns 0 --history-cache 0`` serves it as
before the bounded tracker window (every turn reads the whole session).
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional
from bot import settings

ROOT = settings.ROOT


class StageTimer:
    """Wraps async/sync methods and accumulates their wall time per stage."""

    def __init__(self) -> None:
        self.totals: Dict[str, float] = defaultdict(float)
        self.counts: Dict[str, int] = defaultdict(int)
        self._undo: List[Callable[[], None]] = []

    def wrap(self, owner: Any, attr: str, stage: str) -> None:
        original = getattr(owner, attr)
        timer = self

        if asyncio.iscoroutinefunction(original):

            async def wrapped(*args, **kwargs):
                t = time.perf_counter()
                try:
                    return await original(*args, **kwargs)
                finally:
                    timer.totals[stage] += time.perf_counter() - t
                    timer.counts[stage] += 1

        else:

            def wrapped(*args, **kwargs):
                t = time.perf_counter()
                try:
                    return original(*args, **kwargs)
                finally:
                    timer.totals[stage] += time.perf_counter() - t
                    timer.counts[stage] += 1

        setattr(owner, attr, wrapped)
        self._undo.append(lambda: setattr(owner, attr, original))

    def reset(self) -> None:
        self.totals.clear()
        self.counts.clear()

    def per_message(self, messages: int) -> Dict[str, Dict[str, float]]:
        return {
            stage: {
                "ms_per_message": round(1000 * total / messages, 3),
                "calls_per_message": round(self.counts[stage] / messages, 2),
            }
            for stage, total in sorted(self.totals.items(), key=lambda kv: -kv[1])
        }


def _loop() -> asyncio.AbstractEventLoop:
    try:
        loop = asyncio.get_event_loop()
        if loop.is_closed():
            raise RuntimeError
    except RuntimeError:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
    return loop


def load_agent(model: Path, tracker_db: Path) -> Any:
    """Agent with the project's endpoints (tracker store on `tracker_db`)."""
    settings.export(TRACKER_DB_URL=f"sqlite:///{tracker_db}")
    from rasa.core.agent import load_agent as rasa_load_agent
    from rasa.core.utils import AvailableEndpoints

    endpoints = AvailableEndpoints.read_endpoints(str(ROOT / "endpoints.yml"))
    return _loop().run_until_complete(
        rasa_load_agent(model_path=str(model), endpoints=endpoints)
    )


def instrument(timer: StageTimer, agent: Any) -> None:
    """Stages of one turn (see module docstring)."""
    from rasa.core.actions.action import RemoteAction
    from rasa.core.processor import MessageProcessor
    store = agent.tracker_store
    while hasattr(store, "_tracker_store"):  # FailSafeTrackerStore / AwaitableTrackerStore
        store = store._tracker_store
    timer.wrap(MessageProcessor, "parse_message", "nlu_parse")
    timer.wrap(MessageProcessor, "predict_next_with_tracker_if_should", "policy_predict")
    timer.wrap(type(store), "retrieve", "tracker_retrieve")
    timer.wrap(type(store), "save", "tracker_save")
    timer.wrap(RemoteAction, "run", "remote_action_http")


async def _turns(agent: Any, convs: List[List[str]], prefix: str) -> List[float]:
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    latencies = []
    for i, conv in enumerate(convs):
        sender = f"{prefix}-{i}"
        for text in conv:
            t = time.perf_counter()
            await agent.handle_message(
                UserMessage(text, CollectingOutputChannel(), sender, input_channel="rest")
            )
            latencies.append((time.perf_counter() - t) * 1000)
    return latencies


def measure(agent: Any, pool: List[str], messages: int, prefix: str, timer: StageTimer) -> Dict[str, Any]:
    from bot.devtools.bench.load import conversations, percentile

    loop = _loop()
    loop.run_until_complete(_turns(agent, conversations(pool, 4, 5, 9999), prefix + "-warm"))
    timer.reset()
    convs = conversations(pool, max(1, messages // 5), 5)
    t = time.perf_counter()
    latencies = loop.run_until_complete(_turns(agent, convs, prefix))
    wall = time.perf_counter() - t
    n = len(latencies)
    return {
        "messages": n,
        "ms_per_message": round(1000 * wall / n, 3),
        "p50_ms": round(percentile(latencies, 50), 3),
        "p95_ms": round(percentile(latencies, 95), 3),
        "stages": timer.per_message(n),
    }


def measure_long(agent: Any, turns: int, timer: StageTimer) -> Dict[str, Any]:
    """One conversation of `turns` turns: median ms per 20 turns, overall and per stage."""
    import statistics

    from bot.devtools.bench.turns import messages, summarise
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    async def talk() -> List[Dict[str, float]]:
        per_turn = []
        for text in messages(turns):
            timer.reset()
            t = time.perf_counter()
            await agent.handle_message(
                UserMessage(text, CollectingOutputChannel(), "inproc-long", input_channel="rest")
            )
            per_turn.append({"turn": 1000 * (time.perf_counter() - t),
                             **{k: 1000 * v for k, v in timer.totals.items()}})
        return per_turn

    per_turn = _loop().run_until_complete(talk())
    stages = sorted({k for t in per_turn for k in t})
    windows = []
    for start in range(0, len(per_turn), 20):
        chunk = per_turn[start:start + 20]
        windows.append({"turns": f"{start + 1}-{start + len(chunk)}",
                        **{k: round(statistics.median(t.get(k, 0.0) for t in chunk), 3)
                           for k in stages}})
    return {"summary": summarise([t["turn"] for t in per_turn]), "windows": windows}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "icp-assistant.tar.gz")
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--profile", type=Path, help="pyinstrument HTML/text output")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--long", type=int, metavar="TURNS",
                        help="one conversation of TURNS turns (latency against turn)")
    parser.add_argument("--history-turns", type=int, help="tracker store history_turns")
    parser.add_argument("--history-cache", type=int, help="tracker store history_cache")
    args = parser.parse_args(argv)

    from bot.devtools.eval import dev_sets, quiet_rasa
    from bot.devtools.bench.load import question_pool

    # The process `rasa run` is under scripts/serve.sh (bot.server.launch).
    import rasa

    from bot.server import launch

    launch.prepare_serving(str(args.model), rasa.__version__)
    t = time.perf_counter()
    quiet_rasa()
    with tempfile.TemporaryDirectory() as tmp:
        agent = load_agent(args.model, Path(tmp) / "tracker.db")
        load_seconds = time.perf_counter() - t
        store = agent.tracker_store
        while hasattr(store, "_tracker_store"):
            store = store._tracker_store
        if args.history_turns is not None:
            store.history_turns = args.history_turns
        if args.history_cache is not None:
            store.history_cache = args.history_cache
        timer = StageTimer()
        instrument(timer, agent)
        pool = question_pool(dev_sets())
        if args.long:
            result = measure_long(agent, args.long, timer)
        else:
            result = measure(agent, pool, args.messages, "inproc", timer)
        result["load_seconds"] = round(load_seconds, 2)
        result["tensorflow_imported"] = "tensorflow" in sys.modules
        result["modules"] = len(sys.modules)
        if args.profile:
            with contextlib.suppress(ImportError):
                from pyinstrument import Profiler

                profiler = Profiler(interval=0.0005)
                profiler.start()
                measure(agent, pool, args.messages, "inproc-prof", StageTimer())
                profiler.stop()
                args.profile.write_text(profiler.output_text(unicode=True, show_all=False))
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
