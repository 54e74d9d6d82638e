"""Scores the trained NLU on the held-out questions (tests/heldout/*.yml), per language.

A held-out file maps each intent to questions never used in training. For every language we
report intent accuracy and macro-F1 (where a fallback counts as a wrong answer), the share of
in-scope questions wrongly rejected (``nlu_fallback`` / ``out_of_scope``), and the share of
out-of-scope questions correctly rejected.

Usage: ``python -m bot.devtools.eval [--model models/icp-assistant.tar.gz] [--json out.json]``
(``make eval`` trains first when data or config changed).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import yaml
from bot import settings

ROOT = settings.ROOT
HELDOUT_DIR = ROOT / "tests" / "heldout"
DEFAULT_MODEL = ROOT / "models" / "icp-assistant.tar.gz"
REJECTED = {"nlu_fallback", "out_of_scope"}


def load_heldout(path: Path) -> List[Tuple[str, str]]:
    """Reads a held-out file as (text, expected intent) pairs."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [(str(text), intent) for intent, texts in data.items() for text in texts or []]


@dataclass
class Score:
    """Scores of one classifier on one held-out set."""

    n: int
    accuracy: float
    macro_f1: float
    oos_rejection: float
    in_scope_rejected: float
    errors: List[Dict[str, str]] = field(default_factory=list)


def score(pairs: Sequence[Tuple[str, str]], predict: Callable[[str], str]) -> Score:
    """Scores ``predict`` (text -> intent) on (text, expected) pairs.

    An expected ``out_of_scope`` counts as correct when the prediction is ``out_of_scope`` or
    ``nlu_fallback``: both make the assistant decline.
    """
    gold, pred, errors = [], [], []
    for text, expected in pairs:
        got = predict(text)
        if expected == "out_of_scope" and got in REJECTED:
            got = "out_of_scope"
        gold.append(expected)
        pred.append(got)
        if got != expected:
            errors.append({"text": text, "expected": expected, "predicted": got})
    labels = sorted(set(gold))
    f1s = []
    for label in labels:
        tp = sum(1 for g, p in zip(gold, pred) if g == label and p == label)
        fp = sum(1 for g, p in zip(gold, pred) if g != label and p == label)
        fn = sum(1 for g, p in zip(gold, pred) if g == label and p != label)
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    oos = [(g, p) for g, p in zip(gold, pred) if g == "out_of_scope"]
    ins = [(g, p) for g, p in zip(gold, pred) if g != "out_of_scope"]
    return Score(
        n=len(gold),
        accuracy=sum(g == p for g, p in zip(gold, pred)) / max(len(gold), 1),
        macro_f1=sum(f1s) / max(len(f1s), 1),
        oos_rejection=sum(p == "out_of_scope" for _, p in oos) / max(len(oos), 1),
        in_scope_rejected=sum(p in REJECTED for _, p in ins) / max(len(ins), 1),
        errors=errors,
    )


def quiet_rasa() -> None:
    """Silences Rasa's per-message debug logging (structlog defaults to DEBUG)."""
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)


def rasa_predictor(model: Path) -> Callable[[str], str]:
    """Loads a trained Rasa model and returns text -> predicted intent."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    loop = asyncio.new_event_loop()

    def predict(text: str) -> str:
        parsed = loop.run_until_complete(agent.parse_message(text))
        return (parsed.get("intent") or {}).get("name") or "nlu_fallback"

    return predict


def heldout_sets(folder: Path = HELDOUT_DIR) -> Dict[str, List[Tuple[str, str]]]:
    """Held-out pairs by language (file stem: en, zh)."""
    return {p.stem: load_heldout(p) for p in sorted(folder.glob("*.yml"))}


def format_scores(scores: Dict[str, Score]) -> str:
    """A small text table."""
    lines = [f"{'set':6} {'n':>5} {'accuracy':>9} {'macro-F1':>9} {'OOS rej.':>9} {'in-scope rej.':>14}"]
    for name, s in scores.items():
        lines.append(
            f"{name:6} {s.n:5d} {s.accuracy:9.1%} {s.macro_f1:9.1%} "
            f"{s.oos_rejection:9.1%} {s.in_scope_rejected:14.1%}"
        )
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--json", type=Path, help="also write the scores here")
    parser.add_argument("--errors", action="store_true", help="list misclassified questions")
    args = parser.parse_args(argv)
    quiet_rasa()
    predict = rasa_predictor(args.model)
    scores = {lang: score(pairs, predict) for lang, pairs in heldout_sets().items()}
    print(format_scores(scores))
    if args.errors:
        for lang, s in scores.items():
            for e in s.errors:
                print(f"[{lang}] {e['expected']:>26} -> {e['predicted']:<26} {e['text']}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({k: asdict(v) for k, v in scores.items()}, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
