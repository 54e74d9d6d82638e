"""The personal document checklist: what one applicant prepares, each item with its source.

Rasa-free. The details it needs are slot names (``applicant_type``, ``province``, ``residency``,
``domain_count``, ``alibaba_domain``, ``use_app``); every text comes from ``data/checklist.yml``
and every item names the data/topics.yml topic whose FAQ section and official page it comes
from (:func:`bot.core.sources.source_for`). The chat action, the JSON API
(``GET /webhooks/checklist``) and the printable page (``/help/checklist``) all build the same
:class:`Checklist` with :func:`build_checklist`.
"""
from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import yaml

from bot import settings
from bot.core.details import APPLICANT_TYPE, PROVINCE, RESIDENCY
from bot.core.sources import source_for
from bot.rules import models as rules
from bot.rules.repository import ProvinceInfo, RulesRepository

CHECKLIST_FILE = settings.DATA_DIR / "checklist.yml"

DOMAIN_COUNT = "domain_count"
ALIBABA_DOMAIN = "alibaba_domain"
USE_APP = "use_app"

LANGUAGES: Tuple[str, ...] = ("en", "zh")
APPLICANT_TYPES: Tuple[str, ...] = ("individual", "organization")
RESIDENCIES: Tuple[str, ...] = ("mainland", "hong_kong", "macao", "taiwan", "foreign")
YES_NO: Tuple[str, ...] = ("yes", "no")
#: A filing has at least one domain name; more than this is surely a typo.
MAX_DOMAINS = 1000
#: Where the printable page is served (same parameters as the JSON API).
PAGE_PATH = "/help/checklist"
API_PATH = "/webhooks/checklist"


@lru_cache(maxsize=2)
def checklist_texts(path: Path = CHECKLIST_FILE) -> Dict[str, Any]:
    """``data/checklist.yml``, read once per process."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def detail_order(path: Path = CHECKLIST_FILE) -> Tuple[str, ...]:
    """The details the checklist needs, in the order the chat asks for them."""
    return tuple(checklist_texts(path)["details"])


def missing_details(values: Mapping[str, Any], path: Path = CHECKLIST_FILE) -> List[str]:
    """The details still unknown, in asking order.

    Args:
        values: Slot values (anything falsy counts as unknown).
    """
    return [name for name in detail_order(path) if not values.get(name)]


def next_question(
    values: Mapping[str, Any], asked: Sequence[str], path: Path = CHECKLIST_FILE
) -> Optional[str]:
    """The detail to ask for next: the first unknown one not asked before (each is asked once).

    Returns:
        A slot name, or None when every unknown detail was asked already (or none is unknown).
    """
    for name in missing_details(values, path):
        if name not in asked:
            return name
    return None


class ChecklistError(ValueError):
    """A detail is missing or invalid.

    Attributes:
        field: The parameter's name.
        valid: The values it accepts (a description for free-form ones).
    """

    def __init__(self, field: str, message: str, valid: Sequence[str]) -> None:
        super().__init__(message)
        self.field = field
        self.valid = list(valid)

    def as_dict(self) -> Dict[str, Any]:
        """The error as the API returns it."""
        return {"error": str(self), "field": self.field, "valid": self.valid}


@dataclass(frozen=True)
class ChecklistRequest:
    """Validated details of one applicant.

    Attributes:
        province: The province, from the rules database.
        applicant_type: ``individual`` or ``organization``.
        residency: The owners' residency (one of :data:`RESIDENCIES`).
        domains: How many domain names (at least 1).
        alibaba_domain: Whether they are registered at Alibaba Cloud (None: unknown).
        use_app: Whether they want to use the Alibaba Cloud app (None: unknown).
        language: ``en`` or ``zh``.
    """

    province: ProvinceInfo
    applicant_type: str
    residency: str
    domains: int
    alibaba_domain: Optional[bool] = None
    use_app: Optional[bool] = None
    language: str = "en"

    def query(self) -> str:
        """The query string of the API and the printable page for these details."""
        params = {
            "province": self.province.key,
            "applicant_type": self.applicant_type,
            "residency": self.residency,
            "domains": str(self.domains),
        }
        if self.alibaba_domain is not None:
            params["alibaba"] = "yes" if self.alibaba_domain else "no"
        if self.use_app is not None:
            params["app"] = "yes" if self.use_app else "no"
        params["lang"] = self.language
        return urllib.parse.urlencode(params)

    def page_url(self) -> str:
        """The printable page's path with these details."""
        return f"{PAGE_PATH}?{self.query()}"


def _yes_no(name: str, value: Optional[str]) -> Optional[bool]:
    if value in (None, ""):
        return None
    if value not in YES_NO:
        raise ChecklistError(name, f"'{name}' must be yes or no.", YES_NO)
    return value == "yes"


def _domains(value: Optional[str]) -> int:
    description = f"a whole number from 1 to {MAX_DOMAINS}"
    if value in (None, ""):
        raise ChecklistError("domains", "'domains' is missing.", [description])
    try:
        count = int(str(value).strip())
    except ValueError:
        raise ChecklistError("domains", "'domains' must be a whole number.", [description])
    if not 1 <= count <= MAX_DOMAINS:
        raise ChecklistError("domains", f"'domains' must be from 1 to {MAX_DOMAINS}.", [description])
    return count


def _choice(name: str, value: Optional[str], valid: Sequence[str]) -> str:
    if value in (None, ""):
        raise ChecklistError(name, f"'{name}' is missing.", valid)
    if value not in valid:
        raise ChecklistError(name, f"'{name}' must be one of: {', '.join(valid)}.", valid)
    return value


def parse_request(params: Mapping[str, Optional[str]], repository: RulesRepository) -> ChecklistRequest:
    """Validates query parameters (of the API or the page) into a request.

    Args:
        params: ``province`` (key, English, pinyin or Chinese name), ``applicant_type``,
            ``residency``, ``domains``; optional ``alibaba`` and ``app`` (yes / no) and
            ``lang`` (en / zh, English by default).
        repository: The rules database.

    Raises:
        ChecklistError: A value is missing or invalid (names the valid values).
        RulesUnavailable: The rules database cannot be queried.
    """
    language = params.get("lang") or "en"
    _choice("lang", language, LANGUAGES)
    name = params.get("province")
    keys = [p.key for p in repository.provinces()]
    if not name:
        raise ChecklistError("province", "'province' is missing.", keys)
    province = repository.find_province(name)
    if province is None:
        raise ChecklistError(
            "province", "'province' must be a province key, English, pinyin or Chinese name.", keys
        )
    return ChecklistRequest(
        province=province,
        applicant_type=_choice("applicant_type", params.get("applicant_type"), APPLICANT_TYPES),
        residency=_choice("residency", params.get("residency"), RESIDENCIES),
        domains=_domains(params.get("domains")),
        alibaba_domain=_yes_no("alibaba", params.get("alibaba")),
        use_app=_yes_no("app", params.get("app")),
        language=language,
    )


def request_from_slots(
    values: Mapping[str, Any], language: str, repository: RulesRepository
) -> Optional[ChecklistRequest]:
    """The request for a conversation's slots, or None when a required detail is unknown.

    ``alibaba_domain`` and ``use_app`` may stay unknown (their items then say both cases).
    """
    try:
        return parse_request(
            {
                "province": values.get(PROVINCE),
                "applicant_type": values.get(APPLICANT_TYPE),
                "residency": values.get(RESIDENCY),
                "domains": values.get(DOMAIN_COUNT),
                "alibaba": values.get(ALIBABA_DOMAIN),
                "app": values.get(USE_APP),
                "lang": language if language in LANGUAGES else "en",
            },
            repository,
        )
    except ChecklistError:
        return None


@dataclass(frozen=True)
class ChecklistItem:
    """One thing to prepare, with the FAQ section and official page it comes from."""

    key: str
    text: str
    source: Mapping[str, str]

    def as_dict(self) -> Dict[str, Any]:
        """The item as the API returns it."""
        return {"key": self.key, "text": self.text, "source": dict(self.source)}


@dataclass(frozen=True)
class Checklist:
    """The checklist for one request."""

    request: ChecklistRequest
    heading: str
    summary: str
    items: Tuple[ChecklistItem, ...]
    valid_as_of: Optional[str]
    valid_as_of_line: Optional[str]

    def as_dict(self) -> Dict[str, Any]:
        """The checklist as the API returns it."""
        request = self.request
        return {
            "language": request.language,
            "province": {
                "key": request.province.key,
                "name_en": request.province.name_en,
                "name_zh": request.province.name_zh,
            },
            "applicant_type": request.applicant_type,
            "residency": request.residency,
            "domains": request.domains,
            "alibaba_domain": request.alibaba_domain,
            "use_app": request.use_app,
            "heading": self.heading,
            "summary": self.summary,
            "items": [item.as_dict() for item in self.items],
            "rules_valid_as_of": self.valid_as_of,
            "page": request.page_url(),
        }

    def as_text(self) -> str:
        """The items as a bulleted list, each ending with its FAQ section (for the chat)."""
        label = checklist_texts()["titles"]["source"][self.request.language]
        separator = "：" if self.request.language == "zh" else ": "
        return "\n".join(
            f"- {item.text} ({label}{separator}{item.source['section']})" for item in self.items
        )


def _pick(entry: Mapping[str, Any], language: str, **values: Any) -> str:
    return entry[language].format(**values)


def _item(key: str, variant: Optional[str], request: ChecklistRequest, **values: Any) -> ChecklistItem:
    entry = checklist_texts()["items"][key]
    texts = entry[variant] if variant else entry
    language = request.language
    province = request.province
    text = _pick(
        texts, language, province_en=province.name_en, province_zh=province.name_zh, **values
    )
    source = source_for(entry["topic"], language)
    assert source is not None, f"checklist item {key} has a topic without a source"
    return ChecklistItem(key=key, text=text, source=source)


def _rule(province: ProvinceInfo, topic: str) -> str:
    return province.rules[topic].value


def build_checklist(request: ChecklistRequest, repository: RulesRepository) -> Checklist:
    """Everything the applicant prepares, in the order they need it.

    Raises:
        RulesUnavailable: The rules database cannot be queried.
    """
    texts = checklist_texts()
    language = request.language
    province = request.province
    id_type = texts["id_types"][request.residency][language]
    owner_variant = "mainland" if request.residency == "mainland" else "other"
    items = [
        _item("contact_person_id", None, request),
        _item("website_owner_id", owner_variant, request, id_type=id_type),
        _item("subject_licence", None, request),
        _item("authenticity_statement", None, request),
    ]
    if request.alibaba_domain is not False:
        variant = "yes" if request.alibaba_domain else "unknown"
        items.append(_item("domain_certificate", variant, request))
    if request.applicant_type == "organization":
        signing = _rule(province, "organization_signing")
    else:
        signing = _rule(province, "individual_signing")
    items.append(_item("form_signing", signing, request))
    items.append(_item("form_rules", None, request))
    if request.domains > 1:
        items.append(
            _item("multi_domain", _rule(province, "multi_domain"), request, domains=request.domains)
        )
    items.append(_item("image_rules", None, request))
    app = _rule(province, "app_upload")
    if app == rules.APP_UPLOAD_AVAILABLE:
        upload = "available_no_app" if request.use_app is False else "available"
    else:
        upload = app
    items.append(_item("upload_methods", upload, request))

    titles = texts["titles"]
    summary = titles["summary"][language].format(
        applicant_type=titles["applicant_type"][request.applicant_type][language],
        province_en=province.name_en,
        province_zh=province.name_zh,
        residency=titles["residency"][request.residency][language],
        domains=request.domains,
    )
    valid_as_of = repository.valid_as_of()
    date = valid_as_of.isoformat() if valid_as_of else None
    return Checklist(
        request=request,
        heading=titles["heading"][language],
        summary=summary,
        items=tuple(items),
        valid_as_of=date,
        valid_as_of_line=titles["rules_valid_as_of"][language].format(date=date) if date else None,
    )
