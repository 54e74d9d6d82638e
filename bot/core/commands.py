"""Rasa's ``/intent{...}`` syntax in user messages: only the bot's own buttons may use it.

A message that starts with "/" skips NLU in Rasa: ``/inform{"province": "beijing"}`` sets slots
directly and ``/restart`` wipes the conversation. Buttons send such payloads, so they cannot be
refused outright, but a user typing them must not get more than a button click would give. The
channels pass every message through :func:`screen`:

- a payload of a button the bot offered in this conversation (compared by intent and entities,
  so spacing and key order do not matter) whose detail values are valid (a province key of the
  rules database, an applicant type or residency of ``data/lexicon.yml``, a language) passes;
- ``/greet`` with at most a language passes: the help page's widget opens with it;
- ``/restart`` and ``/session_start`` become a "start over" that the channel carries out and
  explains (what was forgotten), instead of a reset with no reply;
- anything else loses its leading slashes and is understood as text, like any message.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Collection, Dict, Iterable, Mapping, Optional, Text

import yaml

from bot import settings
from bot.core import checklist
from bot.core.details import APPLICANT_TYPE, PROVINCE, RESIDENCY
from bot.core.limits import MAX_JSON_DEPTH, json_text_depth

PREFIX = "/"
RESTART_INTENTS = ("restart", "session_start")
GREET = "greet"
LANGUAGE = "language"
LANGUAGES = ("en", "zh")

#: Decisions of :func:`screen`.
TEXT = "text"  # not a command (or no longer one): NLU reads it
BUTTON = "button"  # an offered button's payload: passed as is
RESTART = "restart"  # the user wants to start over

# Rasa's RegexMessageHandler syntax: /intent, optionally @confidence, optionally {json}.
_COMMAND = re.compile(r"^/(?P<intent>[^{@]+)(?:@[0-9.]+)?(?P<entities>\{.*\})?$", re.DOTALL)


@dataclass(frozen=True)
class Command:
    """A parsed ``/intent{...}`` message."""

    intent: Text
    entities: Mapping[Text, Any]

    def key(self) -> tuple:
        """What makes two payloads the same command (spacing and key order aside)."""
        return self.intent, json.dumps(dict(self.entities), sort_keys=True, ensure_ascii=False)


@dataclass(frozen=True)
class Screened:
    """What a channel does with a message.

    Attributes:
        decision: :data:`TEXT`, :data:`BUTTON` or :data:`RESTART`.
        text: The message to hand to Rasa (for :data:`TEXT`, without its leading slashes).
    """

    decision: Text
    text: Text


def parse(text: Text) -> Optional[Command]:
    """The command in ``text``, or None when it is not one (or its JSON is not an object)."""
    match = _COMMAND.match(text.strip())
    if not match:
        return None
    entities: Dict[Text, Any] = {}
    if match.group("entities"):
        # Measured before parsing: Python's decoder recurses per level, so "/x{"a":[[[...]]]}"
        # within the length limit would end in a RecursionError (a 500, or no reply).
        if json_text_depth(match.group("entities")) > MAX_JSON_DEPTH:
            return None
        try:
            entities = json.loads(match.group("entities"))
        except ValueError:
            return None
        if not isinstance(entities, dict):
            return None
    return Command(match.group("intent").strip(), entities)


@lru_cache(maxsize=1)
def lexicon_values() -> Dict[Text, frozenset]:
    """Applicant types and residencies of ``data/lexicon.yml``."""
    lexicon = yaml.safe_load(settings.LEXICON_FILE.read_text(encoding="utf-8"))
    return {name: frozenset(lexicon[name]) for name in (APPLICANT_TYPE, RESIDENCY)}


def values_are_valid(entities: Mapping[Text, Any], provinces: Collection[Text]) -> bool:
    """Whether every entity of a payload names a detail with a valid value.

    Args:
        entities: The payload's entities.
        provinces: The province keys of the rules database.
    """
    allowed: Dict[Text, Collection[Text]] = {
        PROVINCE: provinces,
        LANGUAGE: LANGUAGES,
        **lexicon_values(),
        # The checklist's own details (bot.core.checklist validates them the same way).
        checklist.ALIBABA_DOMAIN: checklist.YES_NO,
        checklist.USE_APP: checklist.YES_NO,
    }

    def valid(name: Text, value: Any) -> bool:
        if name == checklist.DOMAIN_COUNT:
            return isinstance(value, str) and value.isdigit() and 1 <= int(value) <= checklist.MAX_DOMAINS
        return name in allowed and isinstance(value, str) and value in allowed[name]

    return all(valid(name, value) for name, value in entities.items())


def screen(
    text: Text, offered_payloads: Iterable[Text], provinces: Collection[Text]
) -> Screened:
    """Decides what a user message may do (see the module doc).

    Args:
        text: The user's message (cleaned, masked).
        offered_payloads: Payloads of the buttons the bot offered in this conversation.
        provinces: The province keys of the rules database.
    """
    if not text.startswith(PREFIX):
        return Screened(TEXT, text)
    command = parse(text)
    if command is not None:
        if command.intent in RESTART_INTENTS:
            return Screened(RESTART, text)
        if command.intent == GREET and set(command.entities) <= {LANGUAGE}:
            if values_are_valid(command.entities, provinces):
                return Screened(BUTTON, text)
        offered = {c.key() for c in map(parse, offered_payloads) if c is not None}
        if command.key() in offered and values_are_valid(command.entities, provinces):
            return Screened(BUTTON, text)
    return Screened(TEXT, text.lstrip(PREFIX + " "))
