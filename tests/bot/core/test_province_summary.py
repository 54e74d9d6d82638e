"""The short summary of a province's rules, and which answers bare details are owed."""
from __future__ import annotations

from bot.core import tailoring
from bot.core.details import Details
from bot.rules import models as rules


def test_every_rule_value_has_a_summary_line_in_both_languages() -> None:
    lines = tailoring.summary_lines()
    for topic, values in rules.RULE_VALUES.items():
        for value in values:
            for language in tailoring.SUMMARY_LANGUAGES:
                assert lines[topic][value][language].strip(), (topic, value, language)


def test_every_province_is_summarised_from_its_own_rules(rules_repo) -> None:
    lines = tailoring.summary_lines()
    for province in rules_repo.provinces():
        details = Details(province=province)
        (reply,) = tailoring.province_summary(details)
        assert reply.response == tailoring.PROVINCE_SUMMARY
        assert reply.values["province_en"] == province.name_en
        text = reply.values["summary_en"]
        assert lines["app_upload"][details.rule("app_upload")]["en"] in text
        assert lines["individual_signing"][details.rule("individual_signing")]["en"] in text
        assert lines["multi_domain"][details.rule("multi_domain")]["en"] in text


def test_an_organisation_gets_only_the_seal_line(rules_repo) -> None:
    province = rules_repo.province("guangdong")
    (reply,) = tailoring.province_summary(Details(province=province, applicant_type="organization"))
    assert "official seal" in reply.values["summary_en"]
    assert "Individuals" not in reply.values["summary_en"]


def test_which_answers_bare_details_are_owed() -> None:
    assert tailoring.details_only_topics(["residency"]) == ("foreign_credentials",)
    assert tailoring.details_only_topics(["province"]) == (tailoring.PROVINCE_SUMMARY,)
    assert tailoring.details_only_topics(["applicant_type"]) == ("authenticity_form",)
    assert tailoring.details_only_topics(["province", "applicant_type"]) == (tailoring.PROVINCE_SUMMARY,)
    assert tailoring.details_only_topics(["residency", "province"]) == (
        "foreign_credentials", tailoring.PROVINCE_SUMMARY
    )
    assert tailoring.details_only_topics([]) == ()


def test_summary_without_province_or_database_never_stays_silent(rules_repo) -> None:
    answer = tailoring.province_summary_answer({}, rules_repo)
    assert [r.response for r in answer.replies] == ["utter_noted_details"]

    class Down:
        def province(self, key):
            raise tailoring.RulesUnavailable("down")

    answer = tailoring.province_summary_answer({"province": "gansu"}, Down())
    assert answer.rules_unavailable
    assert answer.replies[0].response == tailoring.RULES_UNAVAILABLE
