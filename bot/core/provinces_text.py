"""Province lists for answers, formatted from the rules database (Rasa-free).

Responses never type a list of provinces. A response that names the provinces sharing a rule
uses a template variable such as ``{app_provinces_en}``; the tailored actions fill every such
variable from the rules database with :func:`province_list_values`, so the answers cannot drift
from data/provinces.yml.

Each list variable stands for the provinces whose rule ``topic`` has ``value``
(:data:`PROVINCE_SETS`) and exists once per language: ``<name>_en`` and ``<name>_zh``.
Responses that use these variables must only be uttered by the actions: the channels' fallbacks
(action server or database down) render responses without any values.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

LANGUAGES: tuple[str, ...] = ("en", "zh")

# Variable name (without the language suffix) -> (rule topic, rule value) in data/provinces.yml.
PROVINCE_SETS: Mapping[str, tuple[str, str]] = {
    "app_provinces": ("app_upload", "available"),
    "fingerprint_provinces": ("individual_signing", "sign_with_fingerprint"),
    # The FAQ gives Guangdong its own form-filling rules (its own sample) and the individual's
    # declaration in one bullet; the database records that as this signing rule.
    "declaration_provinces": ("individual_signing", "sign_with_declaration"),
    "single_form_provinces": ("multi_domain", "single_form"),
    "widened_form_provinces": ("multi_domain", "widened_form"),
}

# Template variable naming the date the province rules are valid as of (ISO format).
VALID_AS_OF_VARIABLE = "rules_valid_as_of"


class _Rule(Protocol):
    value: str


class _Province(Protocol):
    key: str
    name_en: str
    name_zh: str
    rules: Mapping[str, Any]


def join_names(names: Iterable[str], language: str) -> str:
    """Joins province names the way a sentence in ``language`` lists them.

    Args:
        names: Names in the order they should appear.
        language: ``"en"`` ("A, B and C") or ``"zh"`` ("A、B和C").

    Returns:
        The joined names; an empty string for no names.

    Raises:
        ValueError: ``language`` is not one of :data:`LANGUAGES`.
    """
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r} (expected one of {LANGUAGES})")
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    comma, last = (", ", " and ") if language == "en" else ("、", "和")
    return comma.join(names[:-1]) + last + names[-1]


def template_variables() -> list[str]:
    """Every province-list variable a response may use, e.g. ``app_provinces_en``."""
    return [f"{name}_{language}" for name in PROVINCE_SETS for language in LANGUAGES]


def provinces_in_set(provinces: Iterable[_Province], topic: str, value: str) -> list[_Province]:
    """The provinces whose rule ``topic`` has ``value``, in the order given."""
    return [p for p in provinces if getattr(p.rules.get(topic), "value", None) == value]


def province_list_values(provinces: Iterable[_Province]) -> dict[str, str]:
    """Fills every province-list variable from the provinces of the rules database.

    Args:
        provinces: All provinces with their rules (e.g. ``RulesRepository.provinces()``), in
            the order the lists should name them.

    Returns:
        Variable name -> joined names, for every variable of :func:`template_variables`.
    """
    provinces = list(provinces)
    values: dict[str, str] = {}
    for name, (topic, value) in PROVINCE_SETS.items():
        matching = provinces_in_set(provinces, topic, value)
        values[f"{name}_en"] = join_names((p.name_en for p in matching), "en")
        values[f"{name}_zh"] = join_names((p.name_zh for p in matching), "zh")
    return values
