"""Runs the shared acceptance sample against a live bot and fails unless every case passes.

The sample (``shared/acceptance``) is not part of the project: CI provides it beside the
clone. We run its own script unchanged and read its per-category summary, so what we check is
exactly what the sample's authors check.

Usage: ``python -m bot.devtools.acceptance BASE_URL ACCEPTANCE_DIR``
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import List, Optional, Tuple

CATEGORY_LINE = re.compile(r"^(?P<cat>\S+)\s+(?P<ok>\d+)/\s*(?P<n>\d+)\s*$")


def failing_categories(output: str) -> List[Tuple[str, int, int]]:
    """Categories of the summary whose pass count is below their case count."""
    failing = []
    for line in output.splitlines():
        m = CATEGORY_LINE.match(line.strip())
        if m and int(m["ok"]) < int(m["n"]):
            failing.append((m["cat"], int(m["ok"]), int(m["n"])))
    return failing


def main(argv: Optional[List[str]] = None) -> int:
    """Runs the sample; returns 0 only when every category passes fully."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    url, folder = args[0], Path(args[1])
    cases = sorted(str(p) for p in folder.glob("*.yml"))
    script = folder / "run_acceptance.py"
    if not script.exists() or not cases:
        print(f"error: no run_acceptance.py or *.yml in {folder}", file=sys.stderr)
        return 2
    result = subprocess.run(
        [sys.executable, str(script), url, *cases, "--show-fail"],
        capture_output=True, text=True, timeout=1800,
    )
    print(result.stdout, end="")
    print(result.stderr, end="", file=sys.stderr)
    if result.returncode != 0 or "PASS " not in result.stdout:
        print("error: the acceptance script did not complete", file=sys.stderr)
        return 1
    failing = failing_categories(result.stdout)
    if failing:
        print("Acceptance categories below 100%: "
              + ", ".join(f"{c} {ok}/{n}" for c, ok, n in failing), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
