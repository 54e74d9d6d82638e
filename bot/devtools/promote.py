"""Moves development batches into the training data, each example with its public source.

A development batch (``tests/devset/cases/*.yml``) is real users' phrasing, written from public
forums and vendors' help pages; once its first run has been reported it is worth more as
training data than as one more error list. This tool appends its questions to
``data/nlu/<language>/real_questions.yml``, then the batch file is deleted from the
development set (by hand, with ``git rm``), so no question is both trained on and scored.

- A message of one question is one example of its intent.
- A message of several questions is cut as the assistant cuts it
  (:func:`bot.core.questions.questions_of`): each question, with the context the splitter gives
  it, becomes an example of its own expected intent. A message the splitter cuts into another
  number of questions than expected is left out: its parts would be mislabelled.
- Questions with two acceptable answers (``"a|b"``) and statements of details (``inform``,
  set by a rule, not the classifier) are left out.
- A text that is a near-copy (:mod:`bot.devtools.near_copy`) of a test-set question or of a
  question still in the development set is left out: those must stay unseen.
- Each example keeps its source, batch and, for a part, its place in the message as Rasa
  example metadata (``metadata: {source, batch, part}``).

Usage: ``python -m bot.devtools.promote tests/devset/cases/en2.yml ...`` (the language is the
file name without its batch number).
"""
from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

import yaml

from bot import settings
from bot.core.questions import questions_of
from bot.devtools.eval import DEV_CASES_DIR, TEST_DIR, load_test_items
from bot.devtools.near_copy import near_copies

NLU_DIR = settings.DATA_DIR / "nlu"
FILE_NAME = "real_questions.yml"
_SOURCE = re.compile(r"^# source: (?P<url>\S+)\s*$")
# Set by NLU rules, not learnt: no training examples of their own here.
NOT_LEARNT = {"inform"}


@dataclass(frozen=True)
class Example:
    """One training example taken from a development item."""

    text: str
    intent: str
    source: str
    batch: str
    part: Optional[str] = None


def sources_of(path: Path) -> List[str]:
    """The ``# source:`` URL above each item of a batch file, in order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found: List[str] = []
    for number, line in enumerate(lines):
        if line.startswith("- text:"):
            match = _SOURCE.match(lines[number - 1]) if number else None
            found.append(match["url"] if match else "")
    return found


def examples_of(path: Path, skipped: Optional[Counter] = None) -> List[Example]:
    """The training examples a batch file gives (see the module doc for what is left out)."""
    skipped = skipped if skipped is not None else Counter()
    items = load_test_items(path)
    sources = sources_of(path)
    if len(sources) != len(items):
        raise ValueError(f"{path}: {len(items)} items but {len(sources)} '- text:' lines")
    found: List[Example] = []
    for item, source in zip(items, sources):
        if len(item.expect) == 1:
            pieces = [(" ".join(item.text.split()), item.expect[0], None)]
        else:
            parts = questions_of(item.text)
            if len(parts) != len(item.expect):
                skipped["cut into another number of questions"] += 1
                continue
            total = len(parts)
            pieces = [
                (" ".join(part.text.split()), expected, f"{index}/{total}")
                for index, (part, expected) in enumerate(zip(parts, item.expect), start=1)
            ]
        for text, expected, part in pieces:
            if len(expected) != 1:
                skipped["two acceptable answers"] += 1
            elif expected[0] in NOT_LEARNT:
                skipped["details only"] += 1
            else:
                found.append(Example(text, expected[0], source, path.stem, part))
    return found


def language_of(path: Path) -> str:
    """en2.yml -> en."""
    return path.stem.rstrip("0123456789")


def read_examples(path: Path) -> List[Example]:
    """The examples already in a ``real_questions.yml``."""
    if not path.exists():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found = []
    for block in data.get("nlu") or []:
        for entry in block.get("examples") or []:
            meta = entry.get("metadata") or {}
            found.append(Example(entry["text"], block["intent"], meta.get("source", ""), meta.get("batch", ""), meta.get("part")))
    return found


def write_examples(path: Path, examples: Iterable[Example], header: str) -> None:
    """Writes examples grouped by intent (first-seen order), each with its metadata."""
    by_intent: Dict[str, List[Example]] = {}
    for example in examples:
        by_intent.setdefault(example.intent, []).append(example)
    nlu = []
    for intent, group in by_intent.items():
        entries = []
        for e in group:
            meta = {"source": e.source, "batch": e.batch}
            if e.part:
                meta["part"] = e.part
            entries.append({"text": e.text, "metadata": meta})
        nlu.append({"intent": intent, "examples": entries})
    body = yaml.safe_dump({"version": "3.1", "nlu": nlu}, allow_unicode=True, sort_keys=False, width=1000)
    path.write_text(header + body, encoding="utf-8")


HEADER = """\
# Real users' phrasing: development batches moved into training after their first run was
# reported (bot/devtools/promote.py explains how; README "make eval" lists which batches).
# Each example names its public source, its batch and, for one question of a message of
# several, its place in that message. Do not edit by hand: promote another batch instead.
"""


def unseen_questions(promoted: Iterable[Path], dev_cases: Path = DEV_CASES_DIR, test_dir: Path = TEST_DIR) -> List[str]:
    """The questions that must stay unseen: the test set's and the development cases' that are
    not being promoted."""
    skip = {p.resolve() for p in promoted}
    files = sorted(test_dir.glob("*.yml")) + [p for p in sorted(dev_cases.glob("*.yml")) if p.resolve() not in skip]
    return [item.text for path in files for item in load_test_items(path)]


def promote(
    paths: Iterable[Path],
    nlu_dir: Path = NLU_DIR,
    trained: Iterable[Tuple[str, str]] = (),
    unseen: Iterable[str] = (),
) -> Dict[str, Counter]:
    """Appends the batches' examples to ``<nlu_dir>/<language>/real_questions.yml``.

    Args:
        paths: Batch files (``tests/devset/cases/en2.yml``...).
        nlu_dir: The NLU training data folder.
        trained: (text, intent) pairs already in the training data: a text already there is
            not added again (whatever its intent; a conflict is counted, not written).
        unseen: Questions that must stay unseen (:func:`unseen_questions`): no near-copy of
            one is added.

    Returns:
        Per language, what was added and what was left out and why.
    """
    known: Dict[str, str] = {" ".join(t.split()).lower(): i for t, i in trained}
    unseen = list(unseen)
    report: Dict[str, Counter] = {}
    by_language: Dict[str, List[Path]] = {}
    for path in paths:
        by_language.setdefault(language_of(path), []).append(path)
    for language, batch_paths in by_language.items():
        counts = report.setdefault(language, Counter())
        target = nlu_dir / language / FILE_NAME
        examples = read_examples(target)
        for example in examples:
            known.setdefault(example.text.lower(), example.intent)
        for path in batch_paths:
            found = examples_of(path, counts)
            near = {text for text, _, _ in near_copies([e.text for e in found], unseen)}
            for example in found:
                key = example.text.lower()
                if example.text in near:
                    counts["near-copy of an unseen question"] += 1
                    continue
                if key in known:
                    counts["already trained" if known[key] == example.intent else "trained with another intent"] += 1
                    continue
                known[key] = example.intent
                examples.append(example)
                counts["added"] += 1
        target.parent.mkdir(parents=True, exist_ok=True)
        write_examples(target, examples, HEADER)
    return report


def main(argv: Optional[List[str]] = None) -> int:
    """CLI: promote the given batch files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("batches", nargs="+", type=Path)
    args = parser.parse_args(argv)
    from rasa.shared.nlu.training_data.loading import load_data

    trained = [
        (str(e.get("text")), str(e.get("intent")))
        for e in load_data(str(NLU_DIR)).intent_examples
        if e.get("metadata", {}).get("example", {}).get("batch") is None
    ]
    unseen = unseen_questions(args.batches)
    for language, counts in promote(args.batches, trained=trained, unseen=unseen).items():
        print(language, dict(counts))
    print("Now delete the promoted batches from the development set (git rm).", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
