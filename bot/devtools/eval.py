"""Scores the trained assistant on the development set and on the test set, per language.

Two sets of questions, never trained on:

- the **development set** is used freely for error analysis and to choose data and parameters,
  so its figures are optimistic. It has two parts: ``tests/devset/*.yml`` (intent -> single
  questions) and ``tests/devset/cases/*.yml`` (real-style messages in the test set's item format:
  compound questions, details with a question, long messages, near-topic and out-of-scope
  lookalikes, each with its public source). A batch of cases whose first run has been reported
  may be moved into the training data (:mod:`bot.devtools.promote`); it then leaves the
  development set, so nothing scored here is trained on;
- the **test set** (``tests/testset/*.yml``: a list of items, each with its public source) holds
  real users' questions written before the model was run on them; it is never used to choose
  data or parameters, and its errors are only listed on request (``--test-errors``), for the
  final report.

A test-set item has ``text``, ``expect`` (one entry per question in the message, in order;
``"a|b"`` means either answer is right), ``category`` and optional ``details``. The whole
message goes through the trained assistant's NLU as the bot receives it, and the answers its
reply gives (one per question, :func:`answers_of`) are compared with the expected entries in
order, so a compound message is scored on every part; a question the reply does not answer
again (asked twice, or cut finer than its writer meant), and several questions one answer
covers, are scored as the user reads the reply (:func:`score_item`). (``bot.devtools.bench`` scores other
models, which have no splitter, by cutting messages with ``split_questions`` first:
:func:`message_predictor`.)

Reported per language and per category:

- ``accuracy``: share of expected parts answered right;
- ``compound fully answered``: share of messages of two or more questions whose every part is
  right;
- ``confident-wrong``: share of parts that got an FAQ answer although another answer (or a
  fallback) was right, plus FAQ answers to questions nobody asked (extra parts);
- ``in-scope rejected``: share of answerable parts that were declined (``nlu_fallback``,
  ``out_of_scope``, ``icp_other``);
- ``declined``: share of out-of-scope and near-topic (``icp_other``) parts that were declined.

An expected ``out_of_scope`` is right when the part is declined in any of those ways; an
expected ``icp_other`` is right only when it is recognised as ``icp_other``.

Usage: ``python -m bot.devtools.eval [--set dev|test|both] [--model M] [--json out.json] [--errors]``
(``make eval`` trains first when data or config changed). Do not tune on the test set.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import yaml
from bot import settings
from bot.core.compound import SILENT_INTENTS
from bot.core.parts import key as part_key
from bot.core.parts import name as part_name
from bot.core.parts import resolve
from bot.core.questions import COMPOUND_INTENT, MAX_ANSWERED, asks
from bot.core.topics import faq_answers

ROOT = settings.ROOT
DEV_DIR = ROOT / "tests" / "devset"
DEV_CASES_DIR = DEV_DIR / "cases"
TEST_DIR = ROOT / "tests" / "testset"
TOPICS_FILE = ROOT / "data" / "topics.yml"
DEFAULT_MODEL = ROOT / "models" / "icp-assistant.tar.gz"
# Predictions that make the assistant decline instead of answering.
REJECTED = {"nlu_fallback", "out_of_scope"}
DECLINED = REJECTED | {"icp_other"}
# Expected labels of questions the FAQ does not answer.
NOT_ANSWERABLE = {"out_of_scope", "icp_other"}
CATEGORIES = (
    "single", "compound", "details_question", "details_only", "list_question", "typo", "long",
    "near_topic", "out_of_scope",
)
DETAIL_KEYS = ("province", "applicant_type", "residency")


# --- Development set: intent -> questions ------------------------------------------------------


def load_dev_pairs(path: Path) -> List[Tuple[str, str]]:
    """Reads a development-set file as (text, expected intent) pairs."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [(str(text), intent) for intent, texts in data.items() for text in texts or []]


def dev_sets(folder: Path = DEV_DIR) -> Dict[str, List[Tuple[str, str]]]:
    """Development-set pairs by language (file stem: en, zh)."""
    return {p.stem: load_dev_pairs(p) for p in sorted(folder.glob("*.yml"))}


@dataclass
class Score:
    """Single-intent scores of one classifier on (text, intent) pairs (used by bot.devtools.bench)."""

    n: int
    accuracy: float
    macro_f1: float
    oos_rejection: float
    in_scope_rejected: float
    errors: List[Dict[str, str]] = field(default_factory=list)


def score(pairs: Sequence[Tuple[str, str]], predict: Callable[[str], str]) -> Score:
    """Scores ``predict`` (text -> intent) on (text, expected) pairs, one intent per message.

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


# --- Items: the common form of both sets -------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One user message and the answers it expects, one alternative set per question."""

    text: str
    expect: Tuple[Tuple[str, ...], ...]
    category: str
    details: Dict[str, str] = field(default_factory=dict, compare=False, hash=False)


def parse_expected(entry: str) -> Tuple[str, ...]:
    """``"a|b"`` -> ("a", "b"): either intent answers that question."""
    return tuple(part.strip() for part in str(entry).split("|") if part.strip())


def load_test_items(path: Path) -> List[Item]:
    """Reads a test-set file (a YAML list of items)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [
        Item(
            text=str(entry["text"]),
            expect=tuple(parse_expected(e) for e in entry["expect"]),
            category=str(entry["category"]),
            details=dict(entry.get("details") or {}),
        )
        for entry in data
    ]


def dev_items(pairs: Iterable[Tuple[str, str]]) -> List[Item]:
    """Development-set pairs as items: one question each, category by expected intent."""
    return [
        Item(text, ((intent,),), "out_of_scope" if intent == "out_of_scope" else "single")
        for text, intent in pairs
    ]


def load_test_sets(folder: Path = TEST_DIR) -> Dict[str, List[Item]]:
    """Test-set items by language (file stem: en, zh)."""
    return {p.stem: load_test_items(p) for p in sorted(folder.glob("*.yml"))}


def load_dev_items(folder: Path = DEV_DIR, cases: Path = DEV_CASES_DIR) -> Dict[str, List[Item]]:
    """The whole development set by language: the single questions, then the cases."""
    items = {lang: dev_items(pairs) for lang, pairs in dev_sets(folder).items()}
    for name, case_items in (load_test_sets(cases) if cases.is_dir() else {}).items():
        # en.yml, en2.yml...: batches of one language, written at different times.
        items.setdefault(name.rstrip("0123456789"), []).extend(case_items)
    return items


def faq_intents(topics_file: Path = TOPICS_FILE) -> frozenset:
    """Intents answered with FAQ facts (:func:`bot.core.topics.faq_answers`: the topics of
    data/topics.yml that name an FAQ source).

    Greetings, fallbacks, out-of-scope and near-topic replies, "details noted" and the handoff
    are not FAQ answers: giving one where an FAQ answer was right is a miss (counted in
    accuracy and in-scope rejection), not a confident wrong answer.
    """
    return faq_answers(topics_file)


# --- Scoring ------------------------------------------------------------------------------------


#: Answers that always carry another answer's facts: the checklist's reply starts with the
#: FAQ's general documents list when it still has questions to ask (actions/checklist.py), and
#: lists every document when it has none, so it answers "which documents do I need?".
CARRIES = {"checklist": frozenset({"faq_documents"})}


def part_is_right(expected: Tuple[str, ...], got: Optional[str]) -> bool:
    """Whether the answer ``got`` (None: the question was not answered) fits ``expected``."""
    if got is None:
        return False
    if got in expected or CARRIES.get(got, frozenset()) & set(expected):
        return True
    return "out_of_scope" in expected and got in DECLINED


@dataclass
class Metrics:
    """Counts over a group of items; rates are derived in :meth:`rates`."""

    messages: int = 0
    parts: int = 0
    right: int = 0
    compound: int = 0
    compound_full: int = 0
    confident_wrong: int = 0
    in_scope: int = 0
    in_scope_rejected: int = 0
    not_answerable: int = 0
    declined: int = 0

    def add(self, other: "Metrics") -> None:
        """Adds another group's counts to this one."""
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def rates(self) -> Dict[str, Any]:
        """Counts and rates (None where a rate has no denominator)."""

        def rate(num: int, den: int) -> Optional[float]:
            return num / den if den else None

        return {
            "messages": self.messages,
            "parts": self.parts,
            "accuracy": rate(self.right, self.parts),
            "compound_messages": self.compound,
            "compound_fully_answered": rate(self.compound_full, self.compound),
            "confident_wrong": rate(self.confident_wrong, self.parts),
            "in_scope_parts": self.in_scope,
            "in_scope_rejected": rate(self.in_scope_rejected, self.in_scope),
            "oos_near_topic_parts": self.not_answerable,
            "oos_near_topic_declined": rate(self.declined, self.not_answerable),
        }


class Repeat(str):
    """An answer the reply does not give again: a question asked a second time, the same thing
    for the same details (``bot.core.compound.answer_parts`` skips it), so the one answer
    before stands for both."""


def score_item(item: Item, got: Sequence[str], faq: frozenset) -> Tuple[Metrics, bool]:
    """Scores one message's answers ``got`` (one per question found, in order).

    A question the reply does not answer again (:class:`Repeat`) is either the same question
    the writer asked twice, which the answer before answers, or one question the splitter cut
    finer than its writer ("哪些资料能在app里传、哪些得在电脑上传？"), which the reply answers
    once: the message is scored both ways and keeps the better score (more parts right, then
    fewer confident-wrong ones). Either way the user reads the same reply. Likewise a reply of
    one answer to a message of several questions ("刷脸要穿正装吗 有没有啥技巧能一次过") answers
    each question that answer covers, and no other.

    Returns the counts and whether every expected part was answered right.
    """
    readings = [list(got)]
    if any(isinstance(answer, Repeat) for answer in got):
        readings.append([a for a in got if not isinstance(a, Repeat)])
    if len(got) == 1 and len(item.expect) > 1 and any(part_is_right(e, got[0]) for e in item.expect):
        readings.append([got[0] if part_is_right(e, got[0]) else None for e in item.expect])
    scores = [_score_answers(item, reading, faq) for reading in readings]
    return max(scores, key=lambda s: (s[0].right, -s[0].confident_wrong))


def _score_answers(item: Item, got: Sequence[Optional[str]], faq: frozenset) -> Tuple[Metrics, bool]:
    """:func:`score_item` for one reading of the reply's answers."""
    m = Metrics(messages=1, parts=len(item.expect))
    all_right = True
    for i, expected in enumerate(item.expect):
        answer = got[i] if i < len(got) else None
        ok = part_is_right(expected, answer)
        m.right += ok
        all_right &= ok
        if not ok and answer in faq:
            m.confident_wrong += 1
        if set(expected) - NOT_ANSWERABLE:
            m.in_scope += 1
            m.in_scope_rejected += answer in DECLINED
        else:
            m.not_answerable += 1
            m.declined += answer in DECLINED
    # An FAQ answer to a question the message did not ask is as misleading as a wrong one.
    expected_any = {intent for alternatives in item.expect for intent in alternatives}
    m.confident_wrong += sum(1 for extra in got[len(item.expect):] if extra in faq and extra not in expected_any)
    if len(item.expect) > 1:
        m.compound = 1
        m.compound_full = int(all_right)
    return m, all_right


@dataclass
class Report:
    """Scores of one language of one set: overall, per category, and the wrong messages."""

    overall: Dict[str, Any]
    by_category: Dict[str, Dict[str, Any]]
    errors: List[Dict[str, Any]] = field(default_factory=list)


def score_items(items: Sequence[Item], predict_parts: Callable[[str], List[str]], faq: frozenset) -> Report:
    """Scores ``predict_parts`` (message -> one answer per question, in order) on ``items``."""
    total = Metrics()
    per: Dict[str, Metrics] = OrderedDict()
    errors = []
    for item in items:
        got = list(predict_parts(item.text))
        m, all_right = score_item(item, got, faq)
        total.add(m)
        per.setdefault(item.category, Metrics()).add(m)
        if not all_right or m.confident_wrong:
            errors.append({
                "text": item.text,
                "category": item.category,
                "expected": ["|".join(e) for e in item.expect],
                "predicted": got,
            })
    order = {c: i for i, c in enumerate(CATEGORIES)}
    by_category = {c: per[c].rates() for c in sorted(per, key=lambda c: (order.get(c, len(order)), c))}
    return Report(overall=total.rates(), by_category=by_category, errors=errors)


# --- Prediction ---------------------------------------------------------------------------------


def load_splitter() -> Callable[[str], List[str]]:
    """``bot.core.questions.split_questions`` if it exists, else one question per message."""
    try:
        from bot.core.questions import split_questions
    except ImportError:  # not built yet: a message is one question
        return lambda text: [text]
    return split_questions


def message_predictor(
    predict: Callable[[str], str], split: Optional[Callable[[str], List[str]]] = None
) -> Callable[[str], List[str]]:
    """message -> the answer to each of its questions, by splitting and classifying each part."""
    splitter = split or load_splitter()

    def predict_parts(text: str) -> List[str]:
        parts = [p for p in (splitter(text) or []) if p and p.strip()] or [text]
        answers = [predict(part) for part in parts]
        if len(answers) < 2:
            return answers
        # As the reply does (bot.core.compound.answer_parts, bot.core.parts.resolve): a bare
        # follow-up ("what about foreigners?", details only but asking) asks the question
        # before it again; another part that only gives details or greets says nothing of its
        # own, so it is not an answer to any question.
        previous = None
        for i, (part, answer) in enumerate(zip(parts, answers)):
            if answer == "inform" and previous is not None and asks(part):
                answers[i] = previous
            elif answer not in SILENT_INTENTS and answer != "nlu_fallback":
                previous = answer
        return [a for a in answers if a not in SILENT_INTENTS] or answers[:1]

    return predict_parts


def answers_of(parse: Dict[str, Any]) -> List[str]:
    """The answers the assistant gives to a parsed message, one per question, in order.

    What the reply does with the NLU's result (``bot.core.compound.answer_parts``): a compound
    message gets one answer per question (its intent when confident, else a "did you mean"
    line, scored as ``nlu_fallback``), bare follow-ups resolved (``bot.core.parts``), parts that
    only give details or greet silent, the same question twice answered by the same answer, and
    at most :data:`~bot.core.questions.MAX_ANSWERED` questions answered (later ones get none).
    Any other message gets its intent, which answers each of its questions (they all asked the
    same thing, or the message is one question).
    """
    name = (parse.get("intent") or {}).get("name") or "nlu_fallback"
    parts = parse.get("compound") or []
    speaking = [p for p in resolve(parts) if not (p.get("confident") and part_name(p) in SILENT_INTENTS)]
    if name != COMPOUND_INTENT:
        return [name] * max(1, len(speaking))
    answers: List[str] = []
    answered: Dict[Any, str] = {}
    for part in speaking:
        answer = part_name(part) if part.get("confident") else "nlu_fallback"
        if part.get("confident") and part_key(part) in answered:
            answers.append(Repeat(answered[part_key(part)]))
            continue
        if len(answered) + answers.count("nlu_fallback") >= MAX_ANSWERED:
            break
        if part.get("confident"):
            answered[part_key(part)] = answer
        answers.append(answer)
    return answers or ["nlu_fallback"]


def assistant_predictor(model: Path) -> Callable[[str], List[str]]:
    """Loads a trained model of this project: message -> :func:`answers_of` its parse.

    The whole message goes through the NLU as the bot receives it (splitting, per-part gates,
    the whole message's own fallback gate), so the figures are the assistant's, not those of
    its classifier on pre-cut parts.
    """
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    loop = asyncio.new_event_loop()

    def predict_parts(text: str) -> List[str]:
        return answers_of(loop.run_until_complete(agent.parse_message(text)))

    return predict_parts


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


# --- Output -------------------------------------------------------------------------------------


def _pct(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:.1%}"


def format_report(set_name: str, reports: Dict[str, Report]) -> str:
    """A text table per language: all messages, then each category."""
    head = (
        f"{'':22} {'msgs':>5} {'parts':>5} {'accuracy':>9} {'compound':>9} {'conf.wrong':>10} "
        f"{'in-sc.rej':>9} {'declined':>9}"
    )
    lines = []
    for lang, report in reports.items():
        lines += ["", f"{set_name} / {lang}", head]
        rows = [("all", report.overall)] + list(report.by_category.items())
        for name, r in rows:
            lines.append(
                f"{name:22} {r['messages']:5d} {r['parts']:5d} {_pct(r['accuracy']):>9} "
                f"{_pct(r['compound_fully_answered']):>9} {_pct(r['confident_wrong']):>10} "
                f"{_pct(r['in_scope_rejected']):>9} {_pct(r['oos_near_topic_declined']):>9}"
            )
    return "\n".join(lines)


def format_errors(set_name: str, reports: Dict[str, Report]) -> str:
    """One line per wrongly answered message."""
    lines = []
    for lang, report in reports.items():
        for e in report.errors:
            lines.append(
                f"[{set_name}/{lang}/{e['category']}] {' + '.join(e['expected'])} -> "
                f"{' + '.join(e['predicted'])}  {e['text']}"
            )
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=("dev", "test", "both"), default="both", dest="which")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--json", type=Path, help="also write the scores here")
    parser.add_argument("--errors", action="store_true", help="list the development set's wrong answers")
    parser.add_argument(
        "--test-errors", action="store_true",
        help="also list the test set's wrong answers (final report only: never tune on them)",
    )
    args = parser.parse_args(argv)
    quiet_rasa()
    predict_parts = assistant_predictor(args.model)
    faq = faq_intents()
    sets: Dict[str, Dict[str, List[Item]]] = {}
    if args.which in ("dev", "both"):
        sets["development set"] = load_dev_items()
    if args.which in ("test", "both"):
        sets["test set"] = load_test_sets()
    out: Dict[str, Any] = {}
    for set_name, by_lang in sets.items():
        reports = {lang: score_items(items, predict_parts, faq) for lang, items in by_lang.items()}
        print(format_report(set_name, reports))
        show_errors = args.test_errors if set_name == "test set" else args.errors
        if show_errors:
            print(format_errors(set_name, reports))
        out[set_name] = {
            lang: {**asdict(r), "errors": r.errors if show_errors else []} for lang, r in reports.items()
        }
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
