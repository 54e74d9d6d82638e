"""Every tailored action, for every province, against the FAQ's facts."""
from __future__ import annotations

import pytest

from actions.tailored import ActionAppUploadAvailability
from actions.tailored import ActionAuthorizationLetter
from actions.tailored import ActionForeignCredentials
from actions.tailored import ActionMultiDomain
from actions.tailored import ActionRejectedReupload
from actions.tailored import ActionAuthenticityForm
from tests.actions.province_matrix import (
    ALL_PROVINCES, APP_UPLOAD, DECLARATION, FINGERPRINT, ONE_FORM, WIDENED_FORM,
)
from tests.helpers import responses, run_action, slot_events


@pytest.mark.parametrize("province", ALL_PROVINCES)
def test_app_upload_availability(rules_repo, make_tracker, province):
    messages, events = run_action(
        ActionAppUploadAvailability(rules_repo), make_tracker(slots={"province": province})
    )
    expected = "utter_app_available" if province in APP_UPLOAD else "utter_app_not_available"
    assert responses(messages) == [expected]
    assert messages[0]["province_en"] and messages[0]["province_zh"]
    assert slot_events(events) == {"pending_topic": None, "last_topic": "app_upload_availability"}


@pytest.mark.parametrize("province", ALL_PROVINCES)
def test_individual_signing(rules_repo, make_tracker, province):
    tracker = make_tracker(slots={"province": province, "applicant_type": "individual"})
    messages, _ = run_action(ActionAuthenticityForm(rules_repo), tracker)
    if province in FINGERPRINT:
        expected = "utter_form_individual_fingerprint"
    elif province in DECLARATION:
        expected = "utter_form_individual_declaration"
    else:
        expected = "utter_form_individual_sign"
    assert responses(messages) == [expected]


@pytest.mark.parametrize("province", ALL_PROVINCES)
def test_organization_signing_is_the_seal_everywhere(rules_repo, make_tracker, province):
    tracker = make_tracker(slots={"province": province, "applicant_type": "organization"})
    messages, _ = run_action(ActionAuthenticityForm(rules_repo), tracker)
    assert responses(messages) == ["utter_form_organization"]


@pytest.mark.parametrize("province", ALL_PROVINCES)
def test_signing_with_unknown_applicant_type_gives_both(rules_repo, make_tracker, province):
    messages, _ = run_action(
        ActionAuthenticityForm(rules_repo), make_tracker(slots={"province": province})
    )
    assert responses(messages)[0] == "utter_form_organization"
    assert responses(messages)[1].startswith("utter_form_individual_")


@pytest.mark.parametrize("province", ALL_PROVINCES)
def test_multi_domain(rules_repo, make_tracker, province):
    messages, _ = run_action(ActionMultiDomain(rules_repo), make_tracker(slots={"province": province}))
    if province in ONE_FORM:
        expected = "utter_multi_domain_single_form"
    elif province in WIDENED_FORM:
        expected = "utter_multi_domain_widened_form"
    else:
        expected = "utter_multi_domain_attach_list"
    assert responses(messages) == [expected]


@pytest.mark.parametrize("province", ALL_PROVINCES)
def test_authorization_letter(rules_repo, make_tracker, province):
    messages, _ = run_action(
        ActionAuthorizationLetter(rules_repo), make_tracker(slots={"province": province})
    )
    expected = ["utter_authorization_letter"]
    if province in APP_UPLOAD:
        expected.append("utter_authorization_app_province")
    assert responses(messages) == expected


@pytest.mark.parametrize("province", ALL_PROVINCES)
def test_rejected_reupload(rules_repo, make_tracker, province):
    messages, _ = run_action(
        ActionRejectedReupload(rules_repo), make_tracker(slots={"province": province})
    )
    expected = "utter_rejected_app_province" if province in APP_UPLOAD else "utter_rejected_computer_only"
    assert responses(messages) == [expected]


@pytest.mark.parametrize(
    "residency, expected",
    [
        ("hong_kong", "utter_credentials_hong_kong"),
        ("macao", "utter_credentials_macao"),
        ("taiwan", "utter_credentials_taiwan"),
        ("foreign", "utter_credentials_foreign"),
        ("mainland", "utter_credentials_mainland"),
        (None, "utter_credentials_general"),
    ],
)
def test_foreign_credentials(rules_repo, make_tracker, residency, expected):
    messages, _ = run_action(
        ActionForeignCredentials(rules_repo), make_tracker(slots={"residency": residency})
    )
    assert responses(messages) == [expected]


@pytest.mark.parametrize(
    "action_cls, general",
    [
        (ActionAuthorizationLetter, "utter_authorization_letter"),
        # With the database up, the general answers name the provinces from it.
        (ActionRejectedReupload, "utter_rejected_by_province"),
        (ActionAuthenticityForm, "utter_form_by_province"),
    ],
)
def test_general_answer_without_province(rules_repo, make_tracker, action_cls, general):
    messages, events = run_action(action_cls(rules_repo), make_tracker())
    assert responses(messages) == [general]
    assert slot_events(events)["pending_topic"] is None


def test_every_reply_carries_the_province_lists_and_the_rules_date(rules_repo, make_tracker):
    messages, _ = run_action(ActionRejectedReupload(rules_repo), make_tracker())
    [message] = messages
    assert message["app_provinces_en"] == "Anhui, Chongqing, Fujian, Guangdong and Liaoning"
    assert message["app_provinces_zh"] == "安徽、重庆、福建、广东和辽宁"
    assert message["fingerprint_provinces_en"] == "Jiangxi and Xinjiang"
    assert message["rules_valid_as_of"] == rules_repo.valid_as_of().isoformat()


def test_two_residencies_in_one_message_get_the_general_credentials(rules_repo, make_tracker):
    # "法人是香港人，网站负责人是内地员工…法人那边的证件应该传哪一种？": Rasa filled the slot with
    # the last residency named, not necessarily the person asked about.
    entities = [{"entity": "residency", "value": "hong_kong"}, {"entity": "residency", "value": "mainland"}]
    tracker = make_tracker(intent="foreign_credentials", slots={"residency": "mainland"}, entities=entities)
    messages, events = run_action(ActionForeignCredentials(rules_repo), tracker)
    assert responses(messages) == ["utter_credentials_general"]
    assert slot_events(events)["residency"] is None


def test_one_residency_named_twice_is_settled(rules_repo, make_tracker):
    entities = [{"entity": "residency", "value": "taiwan"}, {"entity": "residency", "value": "taiwan"}]
    tracker = make_tracker(intent="foreign_credentials", slots={"residency": "taiwan"}, entities=entities)
    messages, events = run_action(ActionForeignCredentials(rules_repo), tracker)
    assert responses(messages) == ["utter_credentials_taiwan"]
    assert "residency" not in slot_events(events)
