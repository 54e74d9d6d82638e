"""Where each answer comes from: its FAQ section and official page (Rasa-free).

Every answerable topic of data/topics.yml names the FAQ section behind it (heading in English
and Chinese, and the section's anchor) and the official page the answer leads to. A channel that
shows a source line under an answer asks :func:`source_for` with the topic or the name of the
response it sent.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

import yaml

from bot.core.channel_messages import channel_text
from bot.core.topics import TOPICS_FILE
DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True)
class Source:
    """The FAQ section and official page behind one topic.

    Attributes:
        topic: The topic (intent) name.
        sections: FAQ section heading by language (``en`` is the FAQ's own heading).
        anchor: The section's anchor in the FAQ, e.g. ``"#section_t2v_rbt_zdb"``.
        url: The official page the answer leads to.
    """

    topic: str
    sections: dict[str, str]
    anchor: str
    url: str

    def as_dict(self, language: str) -> dict[str, str]:
        """The source in ``language`` (English when there is no heading in that language)."""
        section = self.sections.get(language) or self.sections[DEFAULT_LANGUAGE]
        return {"topic": self.topic, "section": section, "anchor": self.anchor, "url": self.url}


@dataclass(frozen=True)
class SourceIndex:
    """Sources by topic, and the topic each response answers."""

    by_topic: dict[str, Source]
    topic_of_response: dict[str, str]


def _source(topic: str, entry: dict[str, Any]) -> Optional[Source]:
    if not entry.get("source"):
        return None  # chit-chat and conversation management come from no FAQ section
    sections = {DEFAULT_LANGUAGE: entry["source"]}
    if entry.get("source_zh"):
        sections["zh"] = entry["source_zh"]
    return Source(topic=topic, sections=sections, anchor=entry["anchor"], url=entry["url"])


@lru_cache(maxsize=4)
def load_sources(path: Path = TOPICS_FILE) -> SourceIndex:
    """Reads the sources of every topic once per process.

    Args:
        path: The topics file.

    Returns:
        The sources of the topics that have one, and the topic of every response named in the
        file (``general`` and ``responses``).
    """
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))["topics"]
    by_topic: dict[str, Source] = {}
    topic_of_response: dict[str, str] = {}
    for topic, entry in raw.items():
        source = _source(topic, entry)
        if source is not None:
            by_topic[topic] = source
        for response in [entry["general"], *(entry.get("responses") or [])]:
            topic_of_response.setdefault(response, topic)
    return SourceIndex(by_topic=by_topic, topic_of_response=topic_of_response)


def source_for(
    topic_or_response: str, language: str, path: Path = TOPICS_FILE
) -> Optional[dict[str, str]]:
    """The FAQ section and official page behind a topic or a response.

    Args:
        topic_or_response: A topic (intent) name such as ``"multi_domain"`` or a response name
            such as ``"utter_multi_domain_widened_form"``.
        language: ``"en"`` or ``"zh"``: the language of the section heading.
        path: The topics file.

    Returns:
        ``{"topic", "section", "anchor", "url"}``, or ``None`` when the name comes from no FAQ
        section (greetings, questions, hand-off) or is unknown.
    """
    index = load_sources(path)
    topic = index.topic_of_response.get(topic_or_response, topic_or_response)
    source = index.by_topic.get(topic)
    return source.as_dict(language) if source is not None else None


def source_line(
    source: dict[str, str],
    language: str,
    valid_as_of: Optional[str] = None,
    link: Optional[str] = None,
) -> str:
    """The short line shown under an answer: FAQ section, anchor, official page, rules date.

    Args:
        source: A :func:`source_for` result.
        language: ``"en"`` or ``"zh"`` (texts of ``data/channel_messages.yml``).
        valid_as_of: The date the province rules are valid as of, for tailored answers.
        link: How to write the official page (e.g. a Markdown link); the bare URL by default.
    """
    rules = channel_text("rules_valid_as_of", language, date=valid_as_of) if valid_as_of else ""
    return channel_text(
        "source_line",
        language,
        section=source["section"],
        anchor=source["anchor"],
        url=link if link is not None else source["url"],
        rules=rules,
    )


def message_source(message: dict[str, Any], language: str) -> Optional[dict[str, Any]]:
    """The source of a rendered bot message, from the response name Rasa puts in it.

    Args:
        message: A bot message as output channels receive it (``utter_action`` and, for
            tailored answers, the ``rules_valid_as_of`` value the action passed).
        language: The message's language.

    Returns:
        ``{"topic", "section", "anchor", "url", "rules_valid_as_of", "line"}``, or ``None``
        when the message comes from no FAQ section (questions, small talk, hand-off).
    """
    name = message.get("utter_action")
    if not isinstance(name, str):
        return None
    source = source_for(name, language)
    if source is None:
        return None
    valid_as_of = message.get("rules_valid_as_of") or None
    return {
        **source,
        "rules_valid_as_of": valid_as_of,
        "line": source_line(source, language, valid_as_of),
    }
