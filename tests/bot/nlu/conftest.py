"""Fixtures: an IcpEntityExtractor trained once on the real data files."""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional

import pytest

from bot.nlu.entities import IcpEntityExtractor
from tests.bot.nlu.components import LEXICON_PATH, PROVINCES_PATH, Built, build, messages


@pytest.fixture(scope="session")
def trained_extractor(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """An IcpEntityExtractor trained on the real data/provinces.yml and data/lexicon.yml."""
    return build(
        IcpEntityExtractor,
        tmp_path_factory.mktemp("extractor"),
        provinces_path=str(PROVINCES_PATH),
        lexicon_path=str(LEXICON_PATH),
    )


@pytest.fixture(scope="session")
def extract(trained_extractor: Built) -> Callable[[str], List[Dict[str, Any]]]:
    """Runs the trained extractor on one text and returns the entities it added."""

    def run(text: str, entity: Optional[str] = None) -> List[Dict[str, Any]]:
        [message] = trained_extractor.component.process(messages(text))
        found = message.get("entities", [])
        return [e for e in found if entity is None or e["entity"] == entity]

    return run
