"""Truthfulness: every fact of the FAQ is stated where data/facts.yml says, nothing overstated.

See the header of data/facts.yml for the rules: a fact holds in a response when each of its
patterns matches every variation of the response in that language, rendered with the province
lists of the rules database.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List

import pytest
import yaml

from tests.data.responses import (
    LANGUAGES,
    ROOT,
    domain_responses,
    render,
    rendering_values,
    texts_by_language,
)

FACTS_FILE = ROOT / "data" / "facts.yml"
FAQ_NAME = Path("shared") / "seed" / "icp-document-upload-faq.md"
DATA = yaml.safe_load(FACTS_FILE.read_text(encoding="utf-8"))
FACTS: List[dict] = DATA["facts"]
OVERSTATEMENTS: Dict[str, List[dict]] = DATA["overstatements"]
FLAGS = re.IGNORECASE | re.MULTILINE
TEXTS = texts_by_language(domain_responses())


@pytest.fixture(scope="module")
def rendered(rules_repo) -> Dict[str, Dict[str, List[str]]]:
    """Response -> language -> its variations as the user reads them."""
    values = rendering_values(rules_repo)
    return {
        name: {language: [render(text, values) for text in texts] for language, texts in by.items()}
        for name, by in TEXTS.items()
    }


def test_facts_file_is_well_formed():
    ids = [fact["id"] for fact in FACTS]
    assert len(ids) == len(set(ids)), "fact ids must be unique"
    assert len(FACTS) >= 40
    for fact in FACTS:
        assert re.fullmatch(r"section_\w+", fact["section"]), fact["id"]
        assert fact["faq"].strip(), fact["id"]
        for language in LANGUAGES:
            assert fact[language]["patterns"], (fact["id"], language)
            assert fact[language]["responses"], (fact["id"], language)
            unknown = set(fact[language]["responses"]) - set(TEXTS)
            assert not unknown, (fact["id"], language, unknown)
            for pattern in fact[language]["patterns"]:
                re.compile(pattern)


def test_every_faq_section_has_facts_and_every_fact_a_real_section():
    for base in (ROOT.parent, ROOT.parent.parent):
        if (base / FAQ_NAME).exists():
            faq = (base / FAQ_NAME).read_text(encoding="utf-8")
            break
    else:
        pytest.skip(f"the FAQ ({FAQ_NAME}) is not next to the repository")
    sections = set(re.findall(r"\{#(section_\w+) \.section\}", faq))
    assert {fact["section"] for fact in FACTS} == sections


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("fact", FACTS, ids=[fact["id"] for fact in FACTS])
def test_fact_is_stated_in_every_named_response(rendered, fact, language):
    spec = fact[language]
    missing = []
    for name in spec["responses"]:
        variations = rendered[name][language]
        if not variations:
            missing.append(f"{name}: no {language} variation")
        for number, text in enumerate(variations, start=1):
            for pattern in spec["patterns"]:
                if not re.search(pattern, text, FLAGS):
                    missing.append(f"{name} (variation {number}) lacks /{pattern}/")
    assert not missing, f"fact {fact['id']} ({language}):\n" + "\n".join(missing)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_response_overstates_the_faq(rendered, language):
    found = []
    for name, by_language in rendered.items():
        for text in by_language[language]:
            for rule in OVERSTATEMENTS[language]:
                match = re.search(rule["pattern"], text, FLAGS)
                if match:
                    found.append(f"{name}: {match.group(0)!r} ({rule['why']})")
    assert not found, "\n".join(found)


def test_overstatement_patterns_catch_the_old_wording():
    """The patterns would have caught what issue 13 found (guards against toothless regexes)."""
    old = {
        "en": [
            "App upload is available only in some provinces: Guangdong, Chongqing.",
            "Today the app works for filings in Guangdong.",
            "contact Alibaba Cloud support through a ticket",
        ],
        "zh": [
            "目前只有部分省份支持APP上传",
            "请通过阿里云的工单联系",
            "清楚签名即可",
            "不必须用APP",
        ],
    }
    for language, texts in old.items():
        for text in texts:
            assert any(
                re.search(rule["pattern"], text, FLAGS) for rule in OVERSTATEMENTS[language]
            ), text
