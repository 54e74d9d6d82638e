"""Near-copies: how the project tells a question it has seen from one it has not.

After lowercasing and removing punctuation and whitespace, two texts whose difflib similarity
ratio reaches :data:`NEAR_COPY` are the same question: a model that answers one has memorised
the other, not understood it. The data guards (``tests/data/test_training_data.py``) keep
development and test questions this far from the training data, and
:mod:`bot.devtools.promote` never trains on a text this close to a test or development
question.
"""
from __future__ import annotations

import difflib
import re
from collections import defaultdict
from typing import Dict, Iterable, List, Tuple

NEAR_COPY = 0.9


def normalise(text: str) -> str:
    """Lowercase, without punctuation, whitespace or underscores."""
    return re.sub(r"[\W_]+", "", text.lower())


def near_copies(questions: Iterable[str], references: Iterable[str], threshold: float = NEAR_COPY
                ) -> List[Tuple[str, str, float]]:
    """(question, reference, ratio) for every pair whose normalised texts are at least
    ``threshold`` similar. Lengths bound the ratio (2*min/(a+b)), so only references of a
    compatible length are compared, cheapest bounds first."""
    by_length: Dict[int, List[Tuple[str, str]]] = defaultdict(list)
    for ref in references:
        by_length[len(normalise(ref))].append((normalise(ref), ref))
    hits = []
    for question in questions:
        q = normalise(question)
        if not q:
            continue
        low = int(len(q) * threshold / (2 - threshold))
        high = int(len(q) * (2 - threshold) / threshold) + 1
        for length in range(low, high + 1):
            for r, ref in by_length.get(length, ()):
                matcher = difflib.SequenceMatcher(None, q, r, autojunk=False)
                if (matcher.real_quick_ratio() >= threshold and matcher.quick_ratio() >= threshold
                        and matcher.ratio() >= threshold):
                    hits.append((question, ref, round(matcher.ratio(), 3)))
    return hits
