"""Reads the reports of `make test`'s stages: did each stage run tests, and what was skipped.

Each pytest stage of ``scripts/test.sh`` writes a JUnit XML report named after the stage
(``var/test-reports/unit.xml``...); stages that are not pytest (the acceptance sample) note
their skips as ``stage: reason`` lines in ``skipped.txt`` in the same folder.

Usage::

    python -m bot.devtools.stages ran var/test-reports/unit.xml   # fails when nothing ran
    python -m bot.devtools.stages summary var/test-reports        # "Skipped: none" or the list

A stage whose tests were all skipped passes pytest (exit status 0) yet checked nothing, so
``ran`` fails it; ``summary`` lists every skip with its reason so that none goes unseen.
"""
from __future__ import annotations

import argparse
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

NOTES_FILE = "skipped.txt"
# pytest reports an expected failure as a skip of this type: it ran, so it is not a skip.
XFAIL = "pytest.xfail"
# How many test modules to name under one reason before "and N more".
SHOWN_MODULES = 3


@dataclass(frozen=True)
class Skip:
    """One skipped test (or a skipped stage step, when ``module`` is empty).

    Attributes:
        stage: The stage it belongs to (``unit``, ``live``...).
        module: The test's module (``tests.live.test_health``), empty for a stage note.
        reason: Why it was skipped, as pytest or the stage gave it.
    """

    stage: str
    module: str
    reason: str


@dataclass(frozen=True)
class StageResult:
    """What one pytest stage did.

    Attributes:
        stage: The stage's name (the report's file name without ``.xml``).
        ran: Tests that ran (passed, failed, errors and expected failures).
        skips: The tests that were skipped.
    """

    stage: str
    ran: int
    skips: Tuple[Skip, ...]


def read_report(path: Path) -> StageResult:
    """Reads one stage's JUnit XML report.

    Args:
        path: The report pytest wrote with ``--junitxml``.

    Returns:
        The stage (named after the file) with its count of tests run and its skips.
    """
    stage = path.stem
    ran = 0
    skips: List[Skip] = []
    for case in ET.parse(path).getroot().iter("testcase"):
        skipped = case.find("skipped")
        if skipped is None or skipped.get("type") == XFAIL:
            ran += 1
            continue
        reason = skipped.get("message") or (skipped.text or "").strip() or "no reason given"
        skips.append(Skip(stage, case.get("classname", ""), reason))
    return StageResult(stage, ran, tuple(skips))


def read_notes(path: Path) -> List[Skip]:
    """Reads the ``stage: reason`` lines that non-pytest stages wrote (none when no file)."""
    if not path.exists():
        return []
    notes = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            stage, _, reason = line.partition(":")
            notes.append(Skip(stage.strip(), "", reason.strip() or "no reason given"))
    return notes


def summarise(skips: Iterable[Skip]) -> str:
    """The skip summary printed at the end of `make test`.

    Args:
        skips: Every skip of every stage, in stage order.

    Returns:
        ``Skipped: none``, or ``Skipped: N`` followed by one line per stage and reason with
        how many tests it skipped and in which modules.
    """
    groups: Dict[Tuple[str, str], List[str]] = {}
    total = 0
    for skip in skips:
        total += 1
        groups.setdefault((skip.stage, skip.reason), []).append(skip.module)
    if not total:
        return "Skipped: none"
    lines = [f"Skipped: {total}"]
    for (stage, reason), modules in groups.items():
        tests = [m for m in modules if m]
        count = f", {len(tests)} test{'s' if len(tests) != 1 else ''}" if tests else ""
        lines.append(f"  {stage}{count}: {reason}")
        if tests:
            named = list(dict.fromkeys(tests))  # each module once, in order
            shown = ", ".join(named[:SHOWN_MODULES])
            more = len(named) - SHOWN_MODULES
            lines.append(f"    in {shown}" + (f" and {more} more" if more > 0 else ""))
    return "\n".join(lines)


def stage_reports(folder: Path) -> List[Path]:
    """The stage reports in a folder, oldest first (the order the stages ran in)."""
    return sorted(folder.glob("*.xml"), key=lambda p: (p.stat().st_mtime, p.name))


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.devtools.stages", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    ran = commands.add_parser("ran", help="fail when the stage's report shows no test that ran")
    ran.add_argument("report", type=Path)
    summary = commands.add_parser("summary", help="print every skip of the stages in a folder")
    summary.add_argument("folder", type=Path)
    args = parser.parse_args(argv)

    if args.command == "ran":
        result = read_report(args.report)
        if result.ran:
            return 0
        why = f" (all {len(result.skips)} were skipped)" if result.skips else " (none collected)"
        print(f"error: stage '{result.stage}' must run tests but ran none{why}", file=sys.stderr)
        if result.skips:
            print(summarise(result.skips), file=sys.stderr)
        return 1

    skips: List[Skip] = []
    for report in stage_reports(args.folder):
        skips.extend(read_report(report).skips)
    skips.extend(read_notes(args.folder / NOTES_FILE))
    print(summarise(skips))
    return 0


if __name__ == "__main__":
    sys.exit(main())
