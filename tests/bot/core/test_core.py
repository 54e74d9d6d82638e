"""The Rasa-free core: no Rasa import, every rule value answered, tailoring per province."""
from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from bot import settings
from bot.core import tailoring
from bot.core.details import Details, merged_details
from bot.core.suggest import MAX_DID_YOU_MEAN, agent_candidates, ranked_topics
from bot.core.topics import load_topics
from bot.rules import loader

PROVINCES = yaml.safe_load((settings.DATA_DIR / "provinces.yml").read_text(encoding="utf-8"))


def test_importing_the_core_imports_no_rasa() -> None:
    # Every module of the core, whatever is added later.
    modules = sorted(
        f"bot.core.{p.stem}" for p in (settings.ROOT / "bot" / "core").glob("*.py")
        if p.stem != "__init__"
    )
    assert len(modules) > 10
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'rasa', 'rasa_sdk', 'sanic'})\n"
        "print(bad)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_no_module_under_bot_imports_actions() -> None:
    offenders = [
        str(p.relative_to(settings.ROOT))
        for p in (settings.ROOT / "bot").rglob("*.py")
        if any(
            line.startswith(("from actions", "import actions"))
            for line in p.read_text(encoding="utf-8").splitlines()
        )
    ]
    assert offenders == []


def test_every_rule_value_has_a_response() -> None:
    assert tailoring.unhandled_rule_values() == []


def test_the_loader_refuses_a_value_without_a_response(monkeypatch, tmp_path) -> None:
    monkeypatch.delitem(tailoring.MULTI_DOMAIN_RESPONSES, "attach_list")
    errors = loader.validate(settings.DATA_DIR / "provinces.yml")
    assert errors and all("has no response" in e.message for e in errors)
    assert all(":" in str(e) for e in errors)  # file:line


def test_every_named_response_exists_in_the_domain() -> None:
    responses = {}
    for path in (settings.ROOT / "domain").glob("*.yml"):
        responses.update(yaml.safe_load(path.read_text(encoding="utf-8")).get("responses") or {})
    named = {r for table in tailoring.RULE_RESPONSES.values() for t in table for r in t.values()}
    named |= {t.general for t in load_topics().values()}
    named |= {f"utter_credentials_{r}" for r in ("mainland", "hong_kong", "macao", "taiwan", "foreign")}
    assert sorted(named - set(responses)) == []


class FakeRepository:
    """The rules of data/provinces.yml without a database."""

    def provinces(self):
        return [self.province(p["key"]) for p in PROVINCES["provinces"]]

    def valid_as_of(self):
        return None

    def province(self, key):
        from types import MappingProxyType

        from bot.rules.repository import ProvinceInfo, RuleInfo

        entry = next(p for p in PROVINCES["provinces"] if p["key"] == key)
        rules = {t: RuleInfo(t, v, "faq") for t, v in entry["rules"].items()}
        return ProvinceInfo(
            key, entry["name_en"], entry["name_zh"], entry.get("pinyin", ""), entry.get("kind", ""),
            (), MappingProxyType(rules),
        )


@pytest.mark.parametrize("province", [p["key"] for p in PROVINCES["provinces"]])
def test_every_province_gets_its_own_rule(province: str) -> None:
    repo = FakeRepository()
    rules = next(p for p in PROVINCES["provinces"] if p["key"] == province)["rules"]
    values = {"province": province, "applicant_type": "individual"}

    signing = tailoring.answer("authenticity_form", values, repo)
    assert [r.response for r in signing.replies] == [
        tailoring.INDIVIDUAL_SIGNING_RESPONSES[rules["individual_signing"]]
    ]
    assert signing.replies[0].values["province_en"]
    multi = tailoring.answer("multi_domain", values, repo)
    assert multi.replies[0].response == tailoring.MULTI_DOMAIN_RESPONSES[rules["multi_domain"]]
    app = tailoring.answer("app_upload_availability", values, repo)
    assert app.replies[0].response == tailoring.APP_UPLOAD_RESPONSES[rules["app_upload"]]


def test_a_missing_detail_is_asked_once_and_never_by_callers_that_cannot_ask() -> None:
    repo = FakeRepository()
    assert tailoring.answer("multi_domain", {}, repo).ask == "province"
    again = tailoring.answer("multi_domain", {}, repo, asked=["province"])
    assert again.ask is None and not again.tailored
    assert [r.response for r in again.replies] == [tailoring.LISTED_GENERAL["multi_domain"]]
    assert again.values["app_provinces_en"]  # the listed answer gets the database's lists
    assert tailoring.answer("multi_domain", {}, repo, may_ask=False).ask is None


def test_rules_database_down_gives_an_apology_and_the_general_answer() -> None:
    from bot.rules.repository import RulesUnavailable

    class Down:
        def province(self, key):
            raise RulesUnavailable("down")

    answer = tailoring.answer("multi_domain", {"province": "gansu"}, Down())
    assert answer.rules_unavailable
    assert [r.response for r in answer.replies] == [
        tailoring.RULES_UNAVAILABLE, load_topics()["multi_domain"].general
    ]


def test_suggestions_are_faq_topics_only_best_first() -> None:
    topics = load_topics()
    ranking = [
        {"name": "greet", "confidence": 0.5},
        {"name": "multi_domain", "confidence": 0.3},
        {"name": "human_handoff", "confidence": 0.1},
        {"name": "faq_documents", "confidence": 0.06},
        {"name": "faq_image_requirements", "confidence": 0.01},
    ]
    assert [t.intent for t, _ in ranked_topics(ranking, topics)] == ["multi_domain", "faq_documents"]
    assert agent_candidates([{"name": "out_of_scope", "confidence": 0.9}], topics) == [
        ("out_of_scope", 0.9)
    ]
    # A confident decline is not followed by FAQ long shots; a close FAQ topic still is.
    declined = [{"name": "out_of_scope", "confidence": 0.91}, {"name": "face_verification_tips", "confidence": 0.06}]
    assert agent_candidates(declined, topics) == [("out_of_scope", 0.91)]
    close = [{"name": "icp_other", "confidence": 0.5}, {"name": "faq_documents", "confidence": 0.4}]
    assert agent_candidates(close, topics) == [("icp_other", 0.5), ("faq_documents", 0.4)]
    # An FAQ best guess keeps the FAQ topics, as before.
    assert agent_candidates([{"name": "faq_documents", "confidence": 0.6},
                             {"name": "out_of_scope", "confidence": 0.3}], topics) == [("faq_documents", 0.6)]
    assert MAX_DID_YOU_MEAN == 3
    assert all(t.suggestable == (t.source is not None) for t in topics.values())


def test_the_latest_message_wins_over_the_conversation() -> None:
    details = merged_details(
        {"province": "hunan", "residency": "foreign"},
        [{"entity": "province", "value": "gansu"}, {"entity": "language", "value": "en"}],
    )
    assert details == {"province": "gansu", "residency": "foreign"}
    assert Details().rule("app_upload") is None


def test_a_detail_named_with_two_values_is_unsettled():
    from bot.core.details import answer_values, unsettled

    entities = [
        {"entity": "residency", "value": "hong_kong"},
        {"entity": "residency", "value": "mainland"},
        {"entity": "province", "value": "fujian"},
        {"entity": "province", "value": "fujian"},
    ]
    assert unsettled(entities) == {"residency"}
    values = answer_values({"residency": "mainland", "province": "fujian"}, entities)
    assert values["residency"] is None and values["province"] == "fujian"
    assert "residency" not in merged_details({"residency": "foreign"}, entities)


def test_interchangeable_answers_read_both_ways_and_name_topics() -> None:
    from bot.core.topics import interchangeable, torn_between_interchangeable

    assert interchangeable("faq_documents", "checklist") and interchangeable("checklist", "faq_documents")
    assert not interchangeable("faq_documents", "faq_image_requirements")
    assert not interchangeable("faq_documents", "faq_documents")
    assert torn_between_interchangeable([{"name": "checklist"}, {"name": "faq_documents"}, {"name": "x"}])
    assert not torn_between_interchangeable([{"name": "checklist"}])
    # Every topic named as interchangeable is one of the topics.
    import yaml

    from bot.core.topics import TOPICS_FILE

    raw = yaml.safe_load(TOPICS_FILE.read_text(encoding="utf-8"))["topics"]
    named = {other for entry in raw.values() for other in entry.get("interchangeable") or ()}
    assert named and named <= set(load_topics())
