"""Before/after measurements of the proposed serving changes, in one process.

``python -m bot.bench.experiments [--model M] [--rounds 5] [--messages 60]`` loads the agent
once (as ``rasa run`` does, with the running action server on $ACTION_ENDPOINT_URL), then
measures the mean time per ``agent.handle_message`` for cumulative variants, interleaved
round by round (so a burst of load from other processes hits every variant alike), and
reports the median over rounds:

- ``baseline``: as shipped.
- ``+cached_validation``: Rasa validates every action server reply with
  ``jsonschema.validate``, which first re-checks the (constant, large) events schema against
  the JSON Schema meta-schema; the variant validates with a validator built once (same schema,
  same errors).
- ``+selective_domain``: ``enable_selective_domain: true`` on the action endpoint, so the
  43 kB domain is no longer serialised into every action server request (our actions never
  read it).
- ``+sqlite_wal``: the SQLite tracker store in WAL mode with ``synchronous=NORMAL``
  (``bot.bench.tracker_store.TunedSQLTrackerStore``).
- ``+escaped_payloads``: button payloads ``/inform{{"province": "guangdong"}}`` in the
  domain: Rasa's interpolator reads ``{...}`` as a slot placeholder, so every rendering of
  such a button raises a KeyError that structlog logs at ERROR with a full traceback and
  locals; escaped braces render to the same payload without that.

It also times single stages on their own: NLU parse, RulePolicy prediction, response
rendering with button payloads containing braces, and the jieba segmenter initialisation.
"""
from __future__ import annotations

import argparse
import copy
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

from bot.bench.inprocess import ROOT, _loop, _turns, load_agent
from bot.bench.load import conversations


def cached_action_validation() -> Callable[[], None]:
    """The launcher's validation patch (bot.bench.launch); returns an undo."""
    from rasa.core.actions.action import RemoteAction

    from bot.bench.launch import patch_action_validation

    original = RemoteAction._validate_action_result
    patch_action_validation()
    return lambda: setattr(RemoteAction, "_validate_action_result", original)


def escaped_payloads(agent: Any, on: bool) -> None:
    """Button payloads with braces escaped as {{ }} (no KeyError + logged traceback)."""
    nlg = agent.nlg
    if not hasattr(nlg, "_bench_original"):
        nlg._bench_original = nlg.responses
        escaped = copy.deepcopy(nlg.responses)
        for variations in escaped.values():
            for variation in variations:
                for button in variation.get("buttons") or []:
                    payload = button.get("payload")
                    if isinstance(payload, str) and "{" in payload and "{{" not in payload:
                        button["payload"] = payload.replace("{", "{{").replace("}", "}}")
        nlg._bench_escaped = escaped
    nlg.responses = nlg._bench_escaped if on else nlg._bench_original


def selective_domain(agent: Any, on: bool = True) -> None:
    agent.action_endpoint.kwargs["enable_selective_domain"] = on


def sqlite_store(agent: Any, path: Path, tuned: bool) -> None:
    """Points the agent at a fresh SQLite tracker store (optionally WAL + NORMAL)."""
    from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore

    from bot.bench.tracker_store import TunedSQLTrackerStore

    cls = TunedSQLTrackerStore if tuned else SQLTrackerStore
    store = cls(domain=agent.domain, host=f"sqlite:///{path}")
    wrapped = FailSafeTrackerStore(store)
    agent.tracker_store = wrapped
    agent.processor.tracker_store = wrapped


def time_turns(agent: Any, convs: List[List[str]], prefix: str) -> float:
    t = time.perf_counter()
    n = sum(len(c) for c in convs)
    _loop().run_until_complete(_turns(agent, convs, prefix))
    return 1000 * (time.perf_counter() - t) / n


def stage_costs(agent: Any, pool: List[str], n: int = 200) -> Dict[str, float]:
    """Milliseconds per call of single stages."""
    loop = _loop()
    out: Dict[str, float] = {}
    texts = [pool[i % len(pool)] for i in range(n)]
    loop.run_until_complete(agent.parse_message(texts[0]))
    t = time.perf_counter()
    for text in texts:
        loop.run_until_complete(agent.parse_message(text))
    out["nlu_parse_ms"] = 1000 * (time.perf_counter() - t) / n

    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.shared.core.events import UserUttered, ActionExecuted

    processor = agent.processor
    trackers = []
    for i, text in enumerate(texts[:50]):
        tracker = DialogueStateTracker(f"policy-{i}", agent.domain.slots)
        tracker.update(ActionExecuted("action_listen"))
        parsed = loop.run_until_complete(agent.parse_message(text))
        tracker.update(UserUttered(text, parsed.get("intent"), parsed.get("entities"), parsed))
        trackers.append(tracker)
    t = time.perf_counter()
    for tracker in trackers * 4:
        processor.predict_next_with_tracker(tracker)
    out["rule_policy_predict_ms"] = 1000 * (time.perf_counter() - t) / (len(trackers) * 4)

    # A response whose buttons carry '/inform{"province": ...}' payloads.
    nlg = agent.nlg
    name = next(
        (r for r, v in agent.domain.responses.items() if "{" in json.dumps(v) and "inform{" in json.dumps(v)),
        None,
    )
    if name:
        tracker = DialogueStateTracker("nlg", agent.domain.slots)
        loop.run_until_complete(nlg.generate(name, tracker, "rest"))
        t = time.perf_counter()
        for _ in range(20):
            loop.run_until_complete(nlg.generate(name, tracker, "rest"))
        out[f"render_{name}_ms"] = 1000 * (time.perf_counter() - t) / 20

    import jieba

    t = time.perf_counter()
    segmenter = jieba.Tokenizer()
    segmenter.initialize()
    out["jieba_initialize_ms"] = 1000 * (time.perf_counter() - t)
    return out


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "icp-assistant.tar.gz")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--messages", type=int, default=60)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    from bot.eval import heldout_sets, quiet_rasa
    from bot.bench.load import question_pool

    quiet_rasa()
    import logging

    # The interpolation errors of brace payloads are logged at ERROR; keep them out of the
    # timing output but still pay for creating them (structlog renders them).
    logging.getLogger().setLevel(logging.CRITICAL)
    pool = question_pool(heldout_sets())
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        agent = load_agent(args.model, tmp / "initial.db")
        _loop().run_until_complete(_turns(agent, conversations(pool, 4, 5, 500), "warm"))
        variants = [
            "baseline", "+cached_validation", "+selective_domain", "+sqlite_wal",
            "+escaped_payloads",
        ]
        results: Dict[str, List[float]] = {v: [] for v in variants}
        offset = 0
        for r in range(args.rounds):
            for v in variants:
                undo = cached_action_validation() if v != "baseline" else (lambda: None)
                level = variants.index(v)
                selective_domain(agent, level >= 2)
                sqlite_store(agent, tmp / f"{v}-{r}.db", tuned=level >= 3)
                escaped_payloads(agent, level >= 4)
                convs = conversations(pool, max(1, args.messages // 5), 5, offset)
                results[v].append(time_turns(agent, convs, f"exp-{r}-{v}"))
                undo()
            offset += args.messages
        summary = {
            v: {
                "median_ms_per_message": round(statistics.median(ms), 2),
                "rounds_ms": [round(x, 2) for x in ms],
            }
            for v, ms in results.items()
        }
        selective_domain(agent, False)
        escaped_payloads(agent, False)
        stages = {k: round(v, 3) for k, v in stage_costs(agent, pool).items()}
        escaped_payloads(agent, True)
        stages.update({
            k + "_escaped": round(v, 3)
            for k, v in stage_costs(agent, pool, n=20).items() if k.startswith("render_")
        })
    out = {"handle_message": summary, "stages": stages}
    print(json.dumps(out, indent=2))
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
