"""The FAQ section and official page behind every answer (bot/core/sources.py, data/topics.yml)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.core.sources import TOPICS_FILE, load_sources, source_for

ROOT = Path(__file__).resolve().parents[3]
FAQ_NAME = Path("shared") / "seed" / "icp-document-upload-faq.md"
ICP_FILING_SYSTEM = "http://beian.aliyun.com/"
RULES = "https://beian.aliyun.com/#MapDataContainer"
# Responses that answer no topic: questions, acknowledgements and apologies.
NOT_ANSWERS = {
    "utter_ask_province",
    "utter_ask_applicant_type",
    # The checklist's questions (actions/checklist.py).
    "utter_ask_residency",
    "utter_ask_domain_count",
    "utter_ask_alibaba_domain",
    "utter_ask_use_app",
    "utter_offer_province_check",
    # Sums up several topics' rules for one province: no single FAQ section to cite.
    "utter_province_summary",
    "utter_rules_unavailable",
    "utter_service_unavailable",
    "utter_did_you_mean",
    # Lines around the answers to a compound message's questions (bot/core/compound.py).
    "utter_compound_unclear_part",
    "utter_compound_more_than_max",
    "utter_empty_message",
    "utter_message_too_long",
    # About this chat's handoff to a human agent, not answers from the FAQ.
    "utter_handoff_queued",
    "utter_handoff_unavailable",
    "utter_handoff_joined",
    "utter_handoff_released",
    "utter_handoff_timeout",
    "utter_handoff_timeout_message",
    "utter_handoff_offer",
    "utter_start_over",
    "utter_start_over_nothing",
}


def _faq_text() -> str:
    for base in (ROOT.parent, ROOT.parent.parent):
        if (base / FAQ_NAME).exists():
            return (base / FAQ_NAME).read_text(encoding="utf-8")
    pytest.skip(f"the FAQ ({FAQ_NAME}) is not next to the repository")


def _domain_responses() -> set[str]:
    names = set()
    for path in (ROOT / "domain").glob("*.yml"):
        names.update((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("responses", {}))
    return names


def _topics() -> dict:
    return yaml.safe_load(TOPICS_FILE.read_text(encoding="utf-8"))["topics"]


def test_every_faq_topic_names_its_section_anchor_and_an_official_page():
    sections = dict(re.findall(r"^## (.+?) \{#(section_\w+) \.section\}$", _faq_text(), re.M))
    # The checklist gathers items of several sections: its answer cites the FAQ page itself.
    sections.update(re.findall(r"^# (.+?) \{#(concept_\w+) \.concept\}$", _faq_text(), re.M))
    sourced = {name: entry for name, entry in _topics().items() if entry.get("source")}
    assert len(sourced) == 15
    for name, entry in sourced.items():
        assert entry["source"] in sections, name
        assert entry["anchor"] == f"#{sections[entry['source']]}", name
        assert re.search(r"[\u4e00-\u9fff]", entry["source_zh"]), name
        assert entry["url"] in (ICP_FILING_SYSTEM, RULES), name


def test_every_response_named_in_topics_exists_and_every_answer_has_a_topic():
    domain = _domain_responses()
    named = set(load_sources().topic_of_response)
    assert named <= domain, sorted(named - domain)
    assert domain - named == NOT_ANSWERS


def test_source_for_a_topic_and_for_its_tailored_responses():
    expected = {
        "topic": "multi_domain",
        "section": "Considerations for completing the authenticity verification form",
        "anchor": "#section_z2v_rbt_zdb",
        "url": RULES,
    }
    assert source_for("multi_domain", "en") == expected
    assert source_for("utter_multi_domain_general", "en") == expected
    assert source_for("utter_multi_domain_widened_form", "en") == expected


def test_source_for_in_chinese_and_in_an_unknown_language():
    assert source_for("utter_rejected_computer_only", "zh") == {
        "topic": "rejected_reupload",
        "section": "备案申请被驳回后，必须用阿里云APP重新上传资料吗？",
        "anchor": "#section_f3n_5ft_zdb",
        "url": ICP_FILING_SYSTEM,
    }
    source = source_for("faq_cannot_upload", "fr")
    assert source["section"] == "Why can I not upload document images?"


@pytest.mark.parametrize("name", ["utter_greet", "human_handoff", "utter_ask_province", "nope"])
def test_no_source_for_conversation_management_or_unknown_names(name):
    assert source_for(name, "en") is None
