"""The personal document checklist (bot.core.checklist): validation, items, sources, asking order."""
from __future__ import annotations

import re

import pytest
import yaml

from bot.core import checklist
from bot.core.checklist import ChecklistError, build_checklist, next_question, parse_request
from bot.settings import ROOT

FACTS = yaml.safe_load((ROOT / "data" / "facts.yml").read_text(encoding="utf-8"))
JIANGXI_HK = {"province": "Jiangxi", "applicant_type": "individual", "residency": "hong_kong", "domains": "3"}


def _text(rules_repo, **params) -> str:
    request = parse_request({**JIANGXI_HK, **params}, rules_repo)
    return "\n".join(item.text for item in build_checklist(request, rules_repo).items)


@pytest.mark.parametrize("name", ["jiangxi", "Jiangxi", "江西", "江西省", "jiang xi"])
def test_province_by_key_english_pinyin_or_chinese_name(rules_repo, name):
    assert parse_request({**JIANGXI_HK, "province": name}, rules_repo).province.key == "jiangxi"


@pytest.mark.parametrize(
    "field, params",
    [
        ("province", {"province": ""}),
        ("province", {"province": "Atlantis"}),
        ("applicant_type", {"applicant_type": "company"}),
        ("residency", {"residency": None}),
        ("residency", {"residency": "mars"}),
        ("domains", {"domains": "0"}),
        ("domains", {"domains": "three"}),
        ("alibaba", {"alibaba": "maybe"}),
        ("app", {"app": "1"}),
        ("lang", {"lang": "fr"}),
    ],
)
def test_a_missing_or_invalid_value_names_the_valid_values(rules_repo, field, params):
    with pytest.raises(ChecklistError) as raised:
        parse_request({**JIANGXI_HK, **params}, rules_repo)
    error = raised.value.as_dict()
    assert error["field"] == field
    assert error["valid"]
    if field == "province":
        assert "jiangxi" in error["valid"] and len(error["valid"]) == 31


def test_jiangxi_individual_hong_kong_three_domains(rules_repo):
    text = _text(rules_repo)
    assert "fingerprint" in text
    assert "widened domain name area" in text
    assert "Hong Kong and Macao residence permit" in text
    assert "Mainland Travel Permit for Hong Kong and Macau Residents" in text
    assert "4 MB" in text
    assert "not available in Jiangxi yet" in text  # app upload is to be determined there


def test_chinese_checklist(rules_repo):
    text = _text(rules_repo, lang="zh")
    for phrase in ("按指纹", "加宽", "港澳居民来往内地通行证", "4 MB"):
        assert phrase in text


def test_items_follow_the_details(rules_repo):
    organisation = _text(rules_repo, province="guangdong", applicant_type="organization",
                         residency="foreign", domains="1", alibaba="yes", app="no")
    assert "official seal" in organisation and "fingerprint" not in organisation
    assert "passport" in organisation
    assert "Print Certificate" in organisation
    assert "several" not in organisation and "domain name area" not in organisation  # one domain
    assert "App upload is currently available in Guangdong as well" in organisation
    declaration = _text(rules_repo, province="guangdong", alibaba="no", app="yes")
    assert "declaration" in declaration and "Print Certificate" not in declaration
    assert "3.16.0" in declaration
    assert "If you use an Alibaba Cloud domain name" in _text(rules_repo)


def test_every_item_has_its_faq_section_and_page(rules_repo):
    request = parse_request(JIANGXI_HK, rules_repo)
    result = build_checklist(request, rules_repo)
    for item in result.items:
        assert item.source["anchor"].startswith("#section_")
        assert item.source["url"].startswith("http")
        assert item.source["section"]
    assert result.valid_as_of == rules_repo.valid_as_of().isoformat()
    assert result.as_dict()["page"].startswith("/help/checklist?province=jiangxi&")
    assert "(Source: Considerations for completing the authenticity verification form)" in result.as_text()


def test_no_checklist_text_overstates_the_faq():
    texts = checklist.checklist_texts()

    def strings(node):
        if isinstance(node, dict):
            for key, value in node.items():
                yield from ((key, s) for _, s in strings(value)) if key in ("en", "zh") else strings(value)
        elif isinstance(node, str):
            yield None, node

    found = [(language, text) for language, text in
             [*strings(texts["items"]), *strings(texts["id_types"])] if language]
    assert found
    for language, text in found:
        for rule in FACTS["overstatements"][language]:
            assert not re.search(rule["pattern"], text, re.I), (text, rule["why"])


def test_asks_each_unknown_detail_once_in_order():
    known = {"province": "jiangxi", "residency": "hong_kong"}
    assert checklist.missing_details(known) == ["applicant_type", "domain_count", "alibaba_domain", "use_app"]
    assert next_question(known, []) == "applicant_type"
    assert next_question(known, ["applicant_type"]) == "domain_count"
    assert next_question(known, ["applicant_type", "domain_count", "alibaba_domain", "use_app"]) is None
    everything = {**known, "applicant_type": "individual", "domain_count": "3",
                  "alibaba_domain": "no", "use_app": "no"}
    assert next_question(everything, []) is None
