"""Province-tailored answers: from the applicant's details to the responses that answer a topic.

Each tailored topic is a plain function of :class:`~bot.core.details.Details` that names domain
responses (text lives in ``domain/``, never here) and the province names they need. The rule
values come from :mod:`bot.rules.models`; :func:`unhandled_rule_values` lets the rules loader
refuse a value that no response answers.

Used by the rasa-sdk actions (``actions/tailored.py``) and by agent assist, which renders the
same answers for a support agent.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Dict, Mapping, Optional, Sequence, Tuple

import yaml

from bot import settings
from bot.core.details import APPLICANT_TYPE, PROVINCE, RESIDENCY, Details
from bot.core.provinces_text import VALID_AS_OF_VARIABLE, province_list_values
from bot.core.topics import load_topics
from bot.rules import models as rules
from bot.rules.repository import ProvinceInfo, RulesRepository, RulesUnavailable

logger = logging.getLogger(__name__)

RULES_UNAVAILABLE = "utter_rules_unavailable"
#: After a list, the offer to check the user's own province (a question with province buttons).
OFFER_PROVINCE_CHECK = "utter_offer_province_check"


@dataclass(frozen=True)
class Reply:
    """One domain response to utter, with the template values it needs."""

    response: str
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    """What to say for a topic.

    Attributes:
        replies: The responses that answer it (empty when asking).
        ask: The detail to ask for first (a slot name), or None.
        tailored: False when the general answer stands in for a tailored one (details
            missing, or the rules database unavailable).
        rules_unavailable: The rules database could not be queried.
        offer: The detail the replies end by offering to check (a slot name): the answer
            waits for it like for ``ask``, but has already answered.
    """

    replies: Tuple[Reply, ...] = ()
    ask: Optional[str] = None
    offer: Optional[str] = None
    tailored: bool = True
    rules_unavailable: bool = False
    values: Mapping[str, Any] = field(default_factory=dict)

    def messages(self) -> Tuple[Tuple[str, Dict[str, Any]], ...]:
        """(response, template values) per reply: the answer's values under the reply's own."""
        return tuple((r.response, {**self.values, **r.values}) for r in self.replies)


def for_province(response: str, province: ProvinceInfo) -> Reply:
    """A reply that names the province (``{province_en}`` / ``{province_zh}``)."""
    return Reply(response, {"province_en": province.name_en, "province_zh": province.name_zh})


# Rule value -> response, per rule topic. The loader refuses a value missing here.
INDIVIDUAL_SIGNING_RESPONSES: Dict[str, str] = {
    rules.SIGN: "utter_form_individual_sign",
    rules.SIGN_WITH_FINGERPRINT: "utter_form_individual_fingerprint",
    rules.SIGN_WITH_DECLARATION: "utter_form_individual_declaration",
}
ORGANIZATION_SIGNING_RESPONSES: Dict[str, str] = {
    rules.OFFICIAL_SEAL: "utter_form_organization",
}
MULTI_DOMAIN_RESPONSES: Dict[str, str] = {
    rules.SINGLE_FORM: "utter_multi_domain_single_form",
    rules.WIDENED_FORM: "utter_multi_domain_widened_form",
    rules.ATTACH_LIST: "utter_multi_domain_attach_list",
}
APP_UPLOAD_RESPONSES: Dict[str, str] = {
    rules.APP_UPLOAD_AVAILABLE: "utter_app_available",
    rules.APP_UPLOAD_TO_BE_DETERMINED: "utter_app_not_available",
}
REJECTED_RESPONSES: Dict[str, str] = {
    rules.APP_UPLOAD_AVAILABLE: "utter_rejected_app_province",
    rules.APP_UPLOAD_TO_BE_DETERMINED: "utter_rejected_computer_only",
}
RULE_RESPONSES: Dict[str, Sequence[Mapping[str, str]]] = {
    "individual_signing": (INDIVIDUAL_SIGNING_RESPONSES,),
    "organization_signing": (ORGANIZATION_SIGNING_RESPONSES,),
    "multi_domain": (MULTI_DOMAIN_RESPONSES,),
    "app_upload": (APP_UPLOAD_RESPONSES, REJECTED_RESPONSES),
}


def unhandled_rule_values(rule_values: Mapping[str, Sequence[str]] = rules.RULE_VALUES) -> list:
    """(topic, value) pairs that no tailoring maps to a response (must be none)."""
    missing = []
    for topic, values in rule_values.items():
        for value in values:
            tables = RULE_RESPONSES.get(topic, ())
            if not tables or any(value not in table for table in tables):
                missing.append((topic, value))
    return missing


def _rule_reply(table: Mapping[str, str], topic: str, details: Details) -> Reply:
    assert details.province is not None
    return for_province(table[details.rule(topic)], details.province)


# The general answers that list provinces from the database, used instead of the topic's
# general response whenever the database answers. The general responses themselves name no
# province: channels send them when the action server or the database is down.
LISTED_GENERAL: Dict[str, str] = {
    "app_upload_availability": "utter_app_availability_by_province",
    "authenticity_form": "utter_form_by_province",
    "multi_domain": "utter_multi_domain_by_province",
    "rejected_reupload": "utter_rejected_by_province",
}


def general_reply(topic: str) -> Reply:
    """The answer without details while the database answers: the listed variant if any."""
    return Reply(LISTED_GENERAL.get(topic) or load_topics()[topic].general)


def database_values(repository: RulesRepository) -> Dict[str, Any]:
    """Template values every tailored reply may use: province lists and the rules' date.

    Raises:
        RulesUnavailable: The database cannot be queried.
    """
    values: Dict[str, Any] = province_list_values(repository.provinces())
    valid_as_of = repository.valid_as_of()
    if valid_as_of is not None:
        values[VALID_AS_OF_VARIABLE] = valid_as_of.isoformat()
    return values


# --- One function per tailored topic ----------------------------------------------------------


def _needs_province(details: Details) -> Optional[str]:
    return None if details.province else PROVINCE


def app_upload_availability(details: Details) -> Tuple[Reply, ...]:
    """Yes / not yet for the applicant's province."""
    return (_rule_reply(APP_UPLOAD_RESPONSES, "app_upload", details),)


def _signing_needs(details: Details) -> Optional[str]:
    # An individual's answer depends on the province; an organisation's does not.
    if details.applicant_type == "individual" and details.province is None:
        return PROVINCE
    return None


def authenticity_form(details: Details) -> Tuple[Reply, ...]:
    """Organisations: official seal everywhere. Individuals: by province.

    With the province known but not the applicant type, both answers are given: two short
    messages help more than a question.
    """
    organization = Reply(ORGANIZATION_SIGNING_RESPONSES[rules.OFFICIAL_SEAL])
    if details.applicant_type == "organization":
        return (organization,)
    if details.province is None:
        return (general_reply("authenticity_form"),)
    individual = _rule_reply(INDIVIDUAL_SIGNING_RESPONSES, "individual_signing", details)
    if details.applicant_type == "individual":
        return (individual,)
    return (organization, individual)


def multi_domain(details: Details) -> Tuple[Reply, ...]:
    """One form / widened form / attached list, by province."""
    return (_rule_reply(MULTI_DOMAIN_RESPONSES, "multi_domain", details),)


def foreign_credentials(details: Details) -> Tuple[Reply, ...]:
    """The credentials for the owner's residency; all of them when it is unknown."""
    if details.residency:
        return (Reply(f"utter_credentials_{details.residency}"),)
    return (general_reply("foreign_credentials"),)


def authorization_letter(details: Details) -> Tuple[Reply, ...]:
    """Same-image rule; in app-upload provinces, special documents go up from the computer."""
    replies = [general_reply("authorization_letter")]
    if details.province and details.rule("app_upload") == rules.APP_UPLOAD_AVAILABLE:
        replies.append(for_province("utter_authorization_app_province", details.province))
    return tuple(replies)


def rejected_reupload(details: Details) -> Tuple[Reply, ...]:
    """Which upload methods the province offers once the order is back in draft."""
    if details.province is None:
        return (general_reply("rejected_reupload"),)
    return (_rule_reply(REJECTED_RESPONSES, "app_upload", details),)


@dataclass(frozen=True)
class Tailoring:
    """How one topic is tailored: the detail it cannot do without, and its answer."""

    replies: Callable[[Details], Tuple[Reply, ...]]
    needs: Callable[[Details], Optional[str]] = lambda details: None


TAILORED: Dict[str, Tailoring] = {
    "app_upload_availability": Tailoring(app_upload_availability, _needs_province),
    "authenticity_form": Tailoring(authenticity_form, _signing_needs),
    "multi_domain": Tailoring(multi_domain, _needs_province),
    "foreign_credentials": Tailoring(foreign_credentials),
    "authorization_letter": Tailoring(authorization_letter),
    "rejected_reupload": Tailoring(rejected_reupload),
}

#: Details a tailored answer may ask for, in the order they are asked.
ASKABLE_DETAILS = (PROVINCE, APPLICANT_TYPE)


def _list_answer(
    topic: str, tailoring: Tailoring, details: Details, repository: RulesRepository, may_ask: bool
) -> Answer:
    """The listed general answer; then the user's province's answer, or an offer to check it."""
    database = database_values(repository)
    listed = Reply(LISTED_GENERAL[topic])
    if tailoring.needs(details) is None and details.province is not None:
        own = tuple(r for r in tailoring.replies(details) if r != listed)
        return Answer(replies=(listed,) + own, values=database)
    if not may_ask:
        return Answer(replies=(listed,), values=database)
    return Answer(replies=(listed, Reply(OFFER_PROVINCE_CHECK)), offer=PROVINCE, values=database)


def answer(
    topic: str,
    values: Mapping[str, Any],
    repository: RulesRepository,
    asked: Sequence[str] = (),
    may_ask: bool = True,
    wants_list: bool = False,
) -> Answer:
    """The answer to ``topic`` for the applicant's details.

    Args:
        topic: An intent of ``data/topics.yml``.
        values: Slot values (``province`` key, ``applicant_type``, ``residency``).
        repository: The rules database.
        asked: Details already asked for in this conversation: never asked twice (the user
            who ignored the question gets the general answer).
        may_ask: False for callers that cannot ask (agent assist): the general answer
            stands in for a question.
        wants_list: The message asks for the list of provinces (see
            :func:`bot.core.list_request.wants_list`): topics with a listed general answer give
            the list, then the user's own province's answer, or else an offer to check it.

    Returns:
        The responses to give, or the detail to ask for first.
    """
    general = Reply(load_topics()[topic].general)
    tailoring = TAILORED.get(topic)
    if tailoring is None:
        return Answer(replies=(general,))
    try:
        details = Details.from_values(values, repository)
        if wants_list and topic in LISTED_GENERAL:
            return _list_answer(topic, tailoring, details, repository, may_ask)
        missing = tailoring.needs(details)
        if missing and may_ask and missing not in asked:
            return Answer(ask=missing)
        database = database_values(repository)
        if missing:
            return Answer(replies=(general_reply(topic),), tailored=False, values=database)
        return Answer(replies=tailoring.replies(details), values=database)
    except RulesUnavailable:
        logger.exception("Rules database unavailable while answering %s", topic)
        return Answer(
            replies=(Reply(RULES_UNAVAILABLE), general), tailored=False, rules_unavailable=True
        )


# --- A message that only gives details ---------------------------------------------------------

PROVINCE_SUMMARY = "utter_province_summary"
SUMMARY_FILE = settings.DATA_DIR / "province_summary.yml"
SUMMARY_LANGUAGES = ("en", "zh")


@lru_cache(maxsize=4)
def summary_lines(path: Path = SUMMARY_FILE) -> Dict[str, Dict[str, Dict[str, str]]]:
    """Rule topic -> rule value -> language -> the summary line (``data/province_summary.yml``)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {topic: dict(values) for topic, values in data.items() if topic != "version"}


def province_summary(details: Details, path: Path = SUMMARY_FILE) -> Tuple[Reply, ...]:
    """Its app-upload, signing and multi-domain rules in short, for a province named on its own.

    Signing follows the applicant type: an organisation's line, an individual's, or both when
    the type is unknown.
    """
    assert details.province is not None
    lines = summary_lines(path)
    picked = [lines["app_upload"][details.rule("app_upload")]]
    if details.applicant_type != "individual":
        picked.append(lines["organization_signing"][rules.OFFICIAL_SEAL])
    if details.applicant_type != "organization":
        picked.append(lines["individual_signing"][details.rule("individual_signing")])
    picked.append(lines["multi_domain"][details.rule("multi_domain")])
    reply = for_province(PROVINCE_SUMMARY, details.province)
    summary = {
        f"summary_{language}": "\n".join(f"- {line[language]}" for line in picked)
        for language in SUMMARY_LANGUAGES
    }
    return (Reply(reply.response, {**reply.values, **summary}),)


#: What a message giving only this detail is answered with, when no topic is under way.
DETAIL_TOPICS: Dict[str, str] = {
    RESIDENCY: "foreign_credentials",
    APPLICANT_TYPE: "authenticity_form",
}


def details_only_topics(named: Sequence[str]) -> Tuple[str, ...]:
    """The answers a message that only gives details is owed, in order.

    Residency decides which ID to upload (``foreign_credentials``); a province, its rules in
    short (:data:`PROVINCE_SUMMARY`, which covers signing for any applicant type given with it);
    an applicant type alone, how to sign (``authenticity_form``).

    Args:
        named: The details the message gives (slot names).
    """
    topics = []
    if RESIDENCY in named:
        topics.append(DETAIL_TOPICS[RESIDENCY])
    if PROVINCE in named:
        topics.append(PROVINCE_SUMMARY)
    elif APPLICANT_TYPE in named:
        topics.append(DETAIL_TOPICS[APPLICANT_TYPE])
    return tuple(topics)


def province_summary_answer(values: Mapping[str, Any], repository: RulesRepository) -> Answer:
    """The province summary for the applicant's details (their province must be known)."""
    try:
        details = Details.from_values(values, repository)
        if details.province is None:
            return Answer(replies=(Reply("utter_noted_details"),), tailored=False)
        return Answer(replies=province_summary(details), values=database_values(repository))
    except RulesUnavailable:
        logger.exception("Rules database unavailable while summarising a province")
        return Answer(
            replies=(Reply(RULES_UNAVAILABLE), Reply("utter_noted_details")),
            tailored=False,
            rules_unavailable=True,
        )
