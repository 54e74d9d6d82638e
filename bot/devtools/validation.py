"""Reads ``rasa data validate`` output and fails on any warning we cannot explain.

Rasa warns about every response that no story or rule utters. Ours include the responses
that custom actions choose (province variants, questions, fallbacks): those warnings are
expected as long as the response really is used by code or by data/topics.yml. The intents
that NLU components set rather than the classifier (``compound_question``) have no training
examples: that warning is expected for them only. Any other warning, or an unused response that
nothing refers to, fails the check (``scripts/validate.sh`` leaves failing on warnings to this
module, since Rasa's ``--fail-on-warnings`` cannot tell the expected ones apart).

Usage: ``rasa data validate ... 2>&1 | python -m bot.devtools.validation``
"""
from __future__ import annotations

import re
import sys
from typing import Iterable, List
from bot import settings
from bot.core.questions import COMPOUND_INTENT

ROOT = settings.ROOT
UNUSED = re.compile(r"The utterance '(?P<name>utter_\w+)' is not used in any story or rule")
WARNING = re.compile(r"(UserWarning|MissingArgumentWarning|\bWARNING\b)")
# Where responses are chosen outside stories and rules.
REFERENCE_FILES = ("actions", "bot/core", "bot/channels", "data/topics.yml")
NO_EXAMPLES = re.compile(
    r"The intent '(?P<name>\w+)' is listed in the domain file, but is not found in the NLU"
)
#: Intents set by NLU components, never predicted by the classifier: no training examples.
COMPONENT_INTENTS = frozenset({COMPOUND_INTENT})
# Library noise that is not about our data.
IGNORED = re.compile(r"DeprecationWarning|PyparsingDeprecation|warnings\.warn|\[W\d+\]")


def referenced_names() -> str:
    """All code and data text that may name a response."""
    texts = []
    for name in REFERENCE_FILES:
        path = ROOT / name
        files = path.rglob("*.py") if path.is_dir() else [path]
        texts.extend(f.read_text(encoding="utf-8") for f in files)
    return "\n".join(texts)


def problems(lines: Iterable[str]) -> List[str]:
    """Warnings that are not explained by a response chosen in code."""
    references = referenced_names()
    found = []
    for line in lines:
        if IGNORED.search(line):
            continue
        no_examples = NO_EXAMPLES.search(line)
        if no_examples and no_examples["name"] in COMPONENT_INTENTS:
            continue
        unused = UNUSED.search(line)
        if unused:
            name = unused["name"]
            # Responses are named whole, or by prefix + rule value (utter_credentials_{x}).
            stems = [name[:i] for i in range(len(name), 6, -1) if name[i - 1] == "_"]
            if name in references or any(f'"{stem}' in references for stem in stems):
                continue
            found.append(f"response {name} is used nowhere")
        elif WARNING.search(line):
            found.append(line.strip())
    return found


def main() -> int:
    """Reads validator output on stdin; exit 1 on unexplained warnings."""
    output = sys.stdin.read()
    found = problems(output.splitlines())
    for problem in found:
        print(f"validation: {problem}", file=sys.stderr)
    if found:
        return 1
    print("rasa data validate: no unexplained warnings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
