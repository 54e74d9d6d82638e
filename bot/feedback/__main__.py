"""Command line for the answer feedback store.

Usage::

    python -m bot.feedback report [--limit N] [--db URL] [--tracker-db URL]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot.core.handoff import HandoffFigures
from bot.feedback.repository import (
    AnswerStats,
    FeedbackRepository,
    FeedbackUnavailable,
    UnansweredQuestion,
    open_tracker_engine,
)
from bot import settings
from bot.stores.db import RulesUnavailable, create_engine_for, get_engine

EXIT_OK = 0
EXIT_DB_UNAVAILABLE = 3

TRACKER_DB_URL_ENV = "TRACKER_DB_URL"

# Longer questions are cut in the report, so each stays on one readable line.
MAX_QUESTION_WIDTH = 100

REASON_LABELS = {
    "nlu_fallback": "not understood",
    "out_of_scope": "out of scope",
    "not_helpful": "rated not helpful",
}


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def format_least_helpful(stats: Sequence[AnswerStats]) -> str:
    """The least helpful answers as a text table."""
    lines = ["Least helpful answers (share of 'not helpful' ratings, worst first)"]
    if not stats:
        lines.append("  No answer has been rated not helpful.")
        return "\n".join(lines)
    width = max(len("answer key"), *(len(s.answer_key) for s in stats))
    lines.append(f"  {'answer key':<{width}}  lang  helpful  not helpful  share")
    for s in stats:
        lines.append(
            f"  {s.answer_key:<{width}}  {s.language:<4}  {s.helpful:>7}  {s.not_helpful:>11}"
            f"  {s.not_helpful_share:>5.0%}"
        )
    return "\n".join(lines)


def format_unanswered(questions: Sequence[UnansweredQuestion], tracker_read: bool) -> str:
    """The most frequent unanswered questions as a text list."""
    lines = ["Most frequent unanswered questions"]
    if not tracker_read:
        lines.append("  (tracker store not found: counting not-helpful ratings only)")
    if not questions:
        lines.append("  None so far.")
        return "\n".join(lines)
    lines.append(f"  {'count':>5}  question  [why]")
    for q in questions:
        why = ", ".join(
            f"{REASON_LABELS.get(reason, reason)} {n}" for reason, n in sorted(q.reasons.items())
        )
        # One line per question, even for a message with line breaks.
        question = " ".join(q.question.split())
        if len(question) > MAX_QUESTION_WIDTH:
            question = question[: MAX_QUESTION_WIDTH - 1] + "…"
        lines.append(f"  {q.count:>5}  {question}  [{why}]")
    return "\n".join(lines)


def format_handoffs(figures: HandoffFigures | None) -> str:
    """Handoffs to human agents: how many, how fast agents replied, how they used suggestions."""
    lines = ["Handoffs to human agents"]
    if figures is None:
        lines.append("  (tracker store not found)")
        return "\n".join(lines)
    lines.append(f"  handoffs: {figures.handoffs}, answered by an agent: {figures.claimed}")
    median = figures.median_first_reply
    lines.append(
        "  time to first agent reply (median): "
        + (f"{median:.0f} s" if median is not None else "no agent reply yet")
    )
    sent = figures.as_is + figures.edited + figures.unused
    if sent:
        lines.append(
            f"  agent messages: {sent}; suggestion sent as-is {figures.as_is} "
            f"({figures.as_is / sent:.0%}), edited {figures.edited} ({figures.edited / sent:.0%}), "
            f"no suggestion used {figures.unused} ({figures.unused / sent:.0%})"
        )
    else:
        lines.append("  agent messages: 0")
    return "\n".join(lines)


def _cmd_report(args: argparse.Namespace) -> int:
    engine = create_engine_for(args.db) if args.db else get_engine()
    tracker_url = args.tracker_db or settings.get(TRACKER_DB_URL_ENV)
    tracker_engine = open_tracker_engine(tracker_url)
    repository = FeedbackRepository(engine, tracker_engine)
    print(format_least_helpful(repository.least_helpful(args.limit)))
    print()
    print(format_unanswered(repository.unanswered(args.limit), tracker_engine is not None))
    print()
    print(format_handoffs(repository.handoff_figures()))
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot.feedback", description="Report on the answer feedback."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    report = commands.add_parser(
        "report", help="print the least helpful answers and the most frequent unanswered questions"
    )
    report.add_argument(
        "--limit", type=_positive_int, default=10, help="rows per list (default: 10)"
    )
    report.add_argument(
        "--db", help="feedback database URL (default: $RULES_DB_URL or the SQLite file in var/)"
    )
    report.add_argument(
        "--tracker-db",
        help=f"Rasa tracker store URL (default: ${TRACKER_DB_URL_ENV} or var/tracker.db)",
    )
    report.set_defaults(handler=_cmd_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Args:
        argv: Arguments without the program name; defaults to ``sys.argv[1:]``.

    Returns:
        The exit code: 0 ok, 3 a database is unavailable.
    """
    args = _parser().parse_args(argv)
    try:
        return args.handler(args)
    except (FeedbackUnavailable, RulesUnavailable) as exc:
        print(
            f"error: {exc}\nhint: check --db/RULES_DB_URL and --tracker-db/{TRACKER_DB_URL_ENV}",
            file=sys.stderr,
        )
        return EXIT_DB_UNAVAILABLE


if __name__ == "__main__":
    sys.exit(main())
