"""Domain responses as the user reads them, for the tests of what they say."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Mapping

import yaml

from bot.core import compound
from bot.core.provinces_text import province_list_values
from bot.core.tailoring import SUMMARY_LANGUAGES, summary_lines
from bot.rules.repository import RulesRepository

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("en", "zh")
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# What {province_en} / {province_zh} render as: no province name, so the province lists of a
# response are only those it names itself.
PROVINCE_PLACEHOLDERS = {"province_en": "<province>", "province_zh": "<省份>"}
# Values a channel passes: the details a start over forgot (bot.channels.screening).
CHANNEL_PLACEHOLDERS = {"forgotten": "<details>"}
# The checklist's parts (data/checklist.yml, checked by tests/bot/core/test_checklist.py).
CHECKLIST_PLACEHOLDERS = {
    name: f"<{name}>"
    for name in ("checklist_heading", "checklist_summary", "checklist_items",
                 "checklist_valid_as_of", "checklist_url")
}
# The compound-message lines: the unclear question and the number of questions answered.
COMPOUND_PLACEHOLDERS = dict(compound.PLACEHOLDERS)


def domain_responses() -> Dict[str, List[dict]]:
    """Every response of domain/*.yml with its variations."""
    responses: Dict[str, List[dict]] = {}
    for path in sorted((ROOT / "domain").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        responses.update(data.get("responses", {}))
    return responses


def language_of(variation: Mapping) -> str:
    """``zh`` for a variation conditioned on the zh language slot, else ``en``."""
    for condition in variation.get("condition") or []:
        if condition.get("name") == "language":
            return condition["value"]
    return "en"


def texts_by_language(responses: Mapping[str, List[dict]]) -> Dict[str, Dict[str, List[str]]]:
    """Response -> language -> the texts of its variations (templates, not rendered)."""
    result: Dict[str, Dict[str, List[str]]] = {}
    for name, variations in responses.items():
        by_language: Dict[str, List[str]] = {language: [] for language in LANGUAGES}
        for variation in variations:
            by_language[language_of(variation)].append(variation.get("text") or "")
        result[name] = by_language
    return result


def summary_placeholders() -> Dict[str, str]:
    """``{summary_en}`` / ``{summary_zh}`` as every line of data/province_summary.yml, so the
    checks on what responses say also read every line a province summary may contain."""
    lines = summary_lines()
    return {
        f"summary_{language}": "\n".join(
            f"- {line[language]}" for values in lines.values() for line in values.values()
        )
        for language in SUMMARY_LANGUAGES
    }


def rendering_values(repository: RulesRepository) -> Dict[str, str]:
    """The values the actions pass (province lists from the database) and the placeholders."""
    return {
        **province_list_values(repository.provinces()),
        **PROVINCE_PLACEHOLDERS,
        **CHANNEL_PLACEHOLDERS,
        **CHECKLIST_PLACEHOLDERS,
        **summary_placeholders(),
        # actions/handoff.py: the user's place in the queue.
        "position": "2",
        **COMPOUND_PLACEHOLDERS,
    }


def render(template: str, values: Mapping[str, str]) -> str:
    """Fills a response template like Rasa does; a missing value raises KeyError."""
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], template)
