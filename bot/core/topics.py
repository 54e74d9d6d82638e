"""The answerable topics (``data/topics.yml``): button titles, FAQ sources, general answers."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, Mapping, Optional, Sequence

import yaml

from bot import settings

TOPICS_FILE = settings.DATA_DIR / "topics.yml"


@dataclass(frozen=True)
class Topic:
    """One intent the assistant answers.

    Attributes:
        intent: The intent's name.
        general: The response that answers it without any of the applicant's details.
        titles: Button title per language.
        source: The FAQ section the answer comes from (None for small talk).
        offline: What is said instead of ``general`` when no action can run, for a topic whose
            general reply claims what only its action does (the handoff); None: ``general``.
    """

    intent: str
    general: str
    titles: Mapping[str, str] = field(default_factory=dict)
    source: Optional[str] = None
    offline: Optional[str] = None

    @property
    def suggestable(self) -> bool:
        """May be offered as a "did you mean" button or an agent's suggested reply.

        Exactly the answers that come from the FAQ: small talk, "are you a bot" and the
        handoff are answers only the bot itself gives.
        """
        return self.source is not None

    def title(self, language: str) -> Optional[str]:
        """Button title in ``language`` (English when that language has none)."""
        return self.titles.get(language) or self.titles.get("en")


@lru_cache(maxsize=4)
def load_topics(path: Path = TOPICS_FILE) -> Dict[str, Topic]:
    """Reads the topics file once per process.

    Returns:
        Topics by intent name, in file order.
    """
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))["topics"]
    return {
        intent: Topic(
            intent=intent,
            general=entry["general"],
            titles=dict(entry.get("title") or {}),
            source=entry.get("source"),
            offline=entry.get("offline"),
        )
        for intent, entry in raw.items()
    }


@lru_cache(maxsize=4)
def faq_answers(path: Path = TOPICS_FILE) -> frozenset:
    """The intents answered with FAQ facts (:attr:`Topic.suggestable`): not small talk, the
    handoff, `inform` or the declining replies."""
    return frozenset(name for name, topic in load_topics(path).items() if topic.suggestable)


@lru_cache(maxsize=4)
def _interchangeable_pairs(path: Path) -> FrozenSet[FrozenSet[str]]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))["topics"]
    return frozenset(
        frozenset((intent, other)) for intent, entry in raw.items() for other in entry.get("interchangeable") or ()
    )


def interchangeable(intent: str, other: str, path: Path = TOPICS_FILE) -> bool:
    """Whether the answers of ``intent`` and ``other`` each answer the other's questions
    (``interchangeable`` in ``data/topics.yml``, read both ways): a classification torn between
    them is no ambiguity.
    """
    return intent != other and frozenset((intent, other)) in _interchangeable_pairs(path)


def torn_between_interchangeable(ranking: Sequence[Mapping[str, object]]) -> bool:
    """Whether the two best intents of an intent ranking (``name`` / ``confidence`` entries,
    best first) are :func:`interchangeable` answers."""
    if len(ranking) < 2:
        return False
    return interchangeable(str(ranking[0].get("name") or ""), str(ranking[1].get("name") or ""))
