"""No response types a list of provinces; the lists it shows are the rules database's.

Responses name provinces through the variables of bot/core/provinces_text.py, filled by the
actions from the rules database. These tests fail when a response names provinces itself, when
a rendered response names a set of provinces that is not one of the database's, and when a
response with a province list could be sent without the values (by a rule, or as a fallback).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, FrozenSet, List, Set

import pytest
import yaml

from bot.core import compound
from bot.core.provinces_text import PROVINCE_SETS, provinces_in_set, template_variables
from bot.rules.models import RULE_VALUES
from bot.core.tailoring import SUMMARY_LANGUAGES
from tests.data.responses import (
    CHANNEL_PLACEHOLDERS,
    LANGUAGES,
    PLACEHOLDER,
    ROOT,
    domain_responses,
    render,
    rendering_values,
    texts_by_language,
)

PROVINCES_FILE = ROOT / "data" / "provinces.yml"
PROVINCES = yaml.safe_load(PROVINCES_FILE.read_text(encoding="utf-8"))["provinces"]
TEXTS = texts_by_language(domain_responses())
LIST_VARIABLES = set(template_variables())


def _name_patterns() -> Dict[str, List[re.Pattern]]:
    """Province key -> patterns of its English, pinyin and Chinese names."""
    patterns: Dict[str, List[re.Pattern]] = {}
    for province in PROVINCES:
        latin = {province["name_en"], province["pinyin"]}
        patterns[province["key"]] = [
            *(re.compile(rf"\b{re.escape(name)}\b", re.IGNORECASE) for name in sorted(latin)),
            re.compile(re.escape(province["name_zh"])),
        ]
    return patterns


NAME_PATTERNS = _name_patterns()


def provinces_named(text: str) -> Set[str]:
    """Keys of the provinces a text names (in English, pinyin or Chinese)."""
    return {key for key, patterns in NAME_PATTERNS.items() if any(p.search(text) for p in patterns)}


def database_sets(rules_repo) -> Set[FrozenSet[str]]:
    """Every set of provinces sharing a rule value in the database."""
    provinces = rules_repo.provinces()
    return {
        frozenset(p.key for p in provinces_in_set(provinces, topic, value))
        for topic, values in RULE_VALUES.items()
        for value in values
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_response_text_types_a_province_name(language):
    typed = {
        name: sorted(provinces_named(text))
        for name, by_language in TEXTS.items()
        for text in by_language[language]
        if provinces_named(text)
    }
    assert not typed, f"use the variables of bot/core/provinces_text.py instead: {typed}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_rendered_list_of_provinces_is_one_of_the_databases(rules_repo, language):
    known = database_sets(rules_repo)
    values = rendering_values(rules_repo)
    wrong = []
    for name, by_language in TEXTS.items():
        for text in by_language[language]:
            # A line lists one group of provinces (see the *_by_province responses).
            for line in render(text, values).splitlines():
                named = provinces_named(line)
                if named and frozenset(named) not in known:
                    wrong.append(f"{name}: {sorted(named)} in {line!r}")
    assert not wrong, "\n".join(wrong)


def test_each_list_variable_renders_exactly_its_database_set(rules_repo):
    values = rendering_values(rules_repo)
    provinces = rules_repo.provinces()
    for variable, (topic, value) in PROVINCE_SETS.items():
        expected = {p.key for p in provinces_in_set(provinces, topic, value)}
        for language in LANGUAGES:
            assert provinces_named(values[f"{variable}_{language}"]) == expected, variable


def test_responses_with_province_lists_are_only_sent_by_the_actions():
    """Fallbacks and rules render responses without values: lists there would show as {...}."""
    with_lists = {
        name
        for name, by_language in TEXTS.items()
        for texts in by_language.values()
        for text in texts
        if set(PLACEHOLDER.findall(text)) & LIST_VARIABLES
    }
    assert with_lists, "no response uses the province lists: is this test still needed?"
    topics = yaml.safe_load((ROOT / "data" / "topics.yml").read_text(encoding="utf-8"))["topics"]
    fallbacks = {entry["general"] for entry in topics.values()}
    assert not with_lists & fallbacks
    uttered_by_data = set()
    for path in Path(ROOT / "data" / "rules").glob("*.yml"):
        uttered_by_data.update(re.findall(r"action: (utter_\w+)", path.read_text(encoding="utf-8")))
    assert not with_lists & uttered_by_data


def test_every_placeholder_of_a_response_is_a_value_the_actions_pass():
    # summary_*: the province summary's lines (bot.core.tailoring.province_summary).
    summary = {f"summary_{language}" for language in SUMMARY_LANGUAGES}
    # "position": the user's place in the handoff queue (actions/handoff.py).
    # checklist_*: the parts of the checklist (actions/checklist.py).
    checklist = {
        "checklist_heading", "checklist_summary", "checklist_items", "checklist_valid_as_of",
        "checklist_url",
    }
    known = (
        LIST_VARIABLES
        | {"province_en", "province_zh", "position"}
        | summary
        | checklist
        | set(CHANNEL_PLACEHOLDERS)
        | set(compound.PLACEHOLDERS)
    )
    unknown = {
        (name, variable)
        for name, by_language in TEXTS.items()
        for texts in by_language.values()
        for text in texts
        for variable in PLACEHOLDER.findall(text)
        if variable not in known
    }
    assert not unknown
