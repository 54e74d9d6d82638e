"""The answerable topics (data/topics.yml): button titles, FAQ sources, general answers."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, Optional, Text

import yaml
from bot import settings

TOPICS_FILE = settings.DATA_DIR / "topics.yml"


@dataclass(frozen=True)
class Topic:
    """One answerable intent."""

    intent: Text
    general: Text
    titles: Dict[Text, Text]
    source: Optional[Text] = None

    def title(self, language: Text) -> Optional[Text]:
        """Button title in ``language`` (English when that language has none)."""
        return self.titles.get(language) or self.titles.get("en")


@lru_cache(maxsize=4)
def load_topics(path: Path = TOPICS_FILE) -> Dict[Text, Topic]:
    """Reads the topics file once per process.

    Returns:
        Topics by intent name.
    """
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))["topics"]
    return {
        intent: Topic(
            intent=intent,
            general=entry["general"],
            titles=dict(entry.get("title") or {}),
            source=entry.get("source"),
        )
        for intent, entry in raw.items()
    }
