"""Summarises a py-spy ``record --format raw`` profile of the Rasa server by stage.

``python -m bot.devtools.bench.stacks profile.txt`` prints, for the stages of a turn, the share of
active samples whose stack contains the stage's function (inclusive time; stages nest, so
shares do not add up to 100%).
"""
from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Dict, List, Tuple

# stage label -> substrings of a py-spy frame ("function (file:line)")
STAGES: List[Tuple[str, Tuple[str, ...]]] = [
    ("handle_message (whole turn)", ("handle_message (rasa/core/processor.py",)),
    ("NLU parse_message", ("parse_message (rasa/core/processor.py",)),
    ("  BilingualTokenizer", ("(bot/nlu/tokenizer.py",)),
    ("  IcpEntityExtractor", ("(bot/nlu/entities.py",)),
    ("  CountVectorsFeaturizer", ("count_vectors_featurizer.py",)),
    ("  TfidfLogisticRegression", ("(bot/nlu/classifier.py", "logistic_regression_classifier.py")),
    ("  ElsewhereGate", ("(bot/nlu/elsewhere.py", "(bot/core/elsewhere.py")),
    ("  DetailsOnlyIntent", ("(bot/nlu/inform.py",)),
    ("tracker store retrieve", ("retrieve (rasa/core/tracker_store.py",)),
    ("tracker store save", ("save (rasa/core/tracker_store.py",)),
    ("  sqlite commit/execute", ("commit (sqlalchemy", "do_commit (sqlalchemy")),
    ("policy prediction", ("predict_next_with_tracker (rasa/core/processor.py",)),
    ("  RulePolicy", ("(rasa/core/policies/rule_policy.py",)),
    ("custom actions (RemoteAction.run)", ("run (rasa/core/actions/action.py:7",)),
    ("  jsonschema validation", ("_validate_action_result",)),
    ("  request body (tracker/domain as dict)", ("_action_call_format",)),
    ("response rendering (NLG)", ("generate (rasa/core/nlg/response.py",)),
    ("  interpolation KeyError logging", ("interpolate_text (rasa/core/nlg/interpolator.py",)),
    ("logging (structlog/logging)", ("(structlog/", "(logging/__init__.py")),
    ("tracker from dict / events", ("from_dict (rasa/shared/core/trackers.py",)),
    ("channel: ensure_reply", ("ensure_reply (bot/channels/safety.py",)),
    ("sanic HTTP handling", ("(sanic/",)),
]


def summarise(path: Path) -> Tuple[int, Dict[str, float]]:
    total = 0
    counts: Counter = Counter()
    for line in path.read_text(errors="replace").splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit():
            continue
        n = int(n)
        total += n
        frames = stack.split(";")
        for label, needles in STAGES:
            if any(needle in frame for frame in frames for needle in needles):
                counts[label] += n
    return total, {label: counts[label] / total for label, _ in STAGES if total}


def main(argv: List[str] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    for arg in argv:
        total, shares = summarise(Path(arg))
        print(f"{arg}: {total} active samples")
        for label, share in shares.items():
            print(f"  {label:42} {100 * share:5.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
