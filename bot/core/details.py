"""The applicant's details that tailor answers: names of the entities and slots that carry them."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional

from bot.rules.repository import ProvinceInfo, RulesRepository

PROVINCE = "province"
APPLICANT_TYPE = "applicant_type"
RESIDENCY = "residency"
#: Entities (and slots of the same names) that describe the applicant.
DETAIL_ENTITIES: tuple[str, ...] = (PROVINCE, APPLICANT_TYPE, RESIDENCY)


@dataclass(frozen=True)
class Details:
    """What we know about the applicant, with the province resolved from the rules database."""

    province: Optional[ProvinceInfo] = None
    applicant_type: Optional[str] = None
    residency: Optional[str] = None

    def rule(self, topic: str) -> Optional[str]:
        """The value of the province's rule for ``topic`` (None without a province)."""
        if self.province is None:
            return None
        rule = self.province.rules.get(topic)
        return rule.value if rule else None

    @classmethod
    def from_values(cls, values: Mapping[str, Any], repository: RulesRepository) -> "Details":
        """Details from slot values (``province`` is a canonical key).

        Raises:
            RulesUnavailable: The rules database cannot be queried.
        """
        key = values.get(PROVINCE)
        return cls(
            province=repository.province(key) if key else None,
            applicant_type=values.get(APPLICANT_TYPE) or None,
            residency=values.get(RESIDENCY) or None,
        )


def unsettled(entities: Iterable[Mapping[str, Any]]) -> frozenset:
    """The details a message names with two different values.

    "法人是香港人，网站负责人是内地员工。法人那边的证件应该传哪一种？" names two residencies: the
    last one named (Rasa fills the slot with it) need not be the person asked about, so an
    answer must not be tailored to either. Without that detail the general answer covers both.
    """
    named: dict[str, set] = {}
    for entity in entities:
        if entity.get("entity") in DETAIL_ENTITIES and entity.get("value"):
            named.setdefault(entity["entity"], set()).add(entity["value"])
    return frozenset(name for name, values in named.items() if len(values) > 1)


def answer_values(slots: Mapping[str, Any], entities: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The detail slots an answer to the latest message is tailored to: the slots, without the
    details the message left :func:`unsettled` (their slots are cleared too, by the caller)."""
    entities = list(entities)
    open_details = unsettled(entities)
    return {name: None if name in open_details else slots.get(name) for name in DETAIL_ENTITIES}


def merged_details(
    slots: Mapping[str, Any], entities: Iterable[Mapping[str, Any]]
) -> dict[str, Any]:
    """The conversation's detail slots, overridden by the message's detail entities.

    The latest message wins, as it does in the conversation itself ("actually I'm in Hunan"),
    except for a detail it names with two different values (:func:`unsettled`): that one is
    not known.
    """
    entities = list(entities)
    details = {name: slots.get(name) for name in DETAIL_ENTITIES if slots.get(name)}
    for entity in entities:
        if entity.get("entity") in DETAIL_ENTITIES and entity.get("value"):
            details[entity["entity"]] = entity["value"]
    for name in unsettled(entities):
        details.pop(name, None)
    return details


def names_a_detail(entities: Iterable[Mapping[str, Any]]) -> bool:
    """Whether a message's entities give any of the applicant's details."""
    return any(e.get("entity") in DETAIL_ENTITIES for e in entities)
