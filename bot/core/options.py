"""Numbered options, for channels that cannot show buttons.

Several answers end with buttons (the province question, "did you mean", follow-up topics).
Where buttons cannot be shown (WeChat, SMS-like channels, a REST client that asks for text),
they are written as a numbered list under the text, with a line asking for a number in the
user's language:

    Which province is your ICP Filing in? Type its name or pick one:

    1. Guangdong
    2. Beijing
    Reply with a number to choose.

A reply that is just one of those numbers, or exactly an option's title (ignoring case and
spacing), then stands for the option's payload. Only the options of the bot's last message with
buttons count, and only until the user writes anything else: a "2" answers the question on the
screen, never an older one.

Where "last shown" is kept: the options come from the conversation's own tracker (the
``BotUttered`` events after the user's latest message carry their buttons), not from a map in
this process. Every Rasa process serving the conversation (several Sanic workers, several hosts)
sees the same tracker, a restart loses nothing, and nothing extra has to be stored or expired.
The cost is one tracker read for a short message, which the channels only do for messages that
could be a choice (``could_be_choice``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Iterable, List, Mapping, Optional, Sequence, Text

from bot.core.channel_messages import channel_text

PROMPT_KEY = "reply_with_number"
# A choice is a number or a button title; longer messages are questions, not choices.
MAX_CHOICE_CHARS = 80
# "2", "2.", "2。", "2、", "(2)", "（2）" and "２" (full width, normalised by NFKC), "#2".
_NUMBER = re.compile(r"#?\(?(\d{1,3})\)?[.。、)]?")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Option:
    """One numbered option: what the user reads and what choosing it sends."""

    title: Text
    payload: Optional[Text]


def options_of(buttons: Optional[Iterable[Mapping[Text, Any]]]) -> List[Option]:
    """The options of a message's buttons, in order; buttons without a title are skipped.

    Rendering and resolving both number this list, so a number always means the same option.
    """
    options = []
    for button in buttons or []:
        title = str(button.get("title") or "").strip()
        if title:
            payload = button.get("payload")
            options.append(Option(title, str(payload) if payload else None))
    return options


def numbered_list(options: Sequence[Option]) -> Text:
    """``"1. Title"``, one line per option (empty without options)."""
    return "\n".join(f"{number}. {option.title}" for number, option in enumerate(options, 1))


def prompt(language: Optional[Text]) -> Text:
    """The "reply with a number" line in ``language`` (every language when unknown)."""
    return channel_text(PROMPT_KEY, language)


def numbered_text(
    text: Optional[Text], buttons: Optional[Iterable[Mapping[Text, Any]]], language: Optional[Text]
) -> Text:
    """A message's text with its buttons as a numbered list and the prompt line.

    Args:
        text: The message text.
        buttons: The message's buttons.
        language: The reply's language, for the prompt line.

    Returns:
        The text alone when there are no options; else the text, a blank line, the list and
        the prompt.
    """
    text = (text or "").strip()
    options = options_of(buttons)
    if not options:
        return text
    block = numbered_list(options) + "\n" + prompt(language)
    return f"{text}\n\n{block}" if text else block


def last_options(
    events: Iterable[Mapping[Text, Any]],
    now: Optional[float] = None,
    max_age: Optional[float] = None,
) -> List[Option]:
    """The options the user is looking at, from the end of a conversation's events.

    Args:
        events: Tracker events as dicts (``{"event": "bot", "timestamp": ..., "data":
            {"buttons": [...]}}``), oldest first; the tail after the user's latest message is
            enough.
        now: The current time (seconds since the epoch), with ``max_age``.
        max_age: Options shown longer ago than this many seconds no longer count (the
            conversation's session has expired; the next message starts a new one).

    Returns:
        The options of the bot's last message with buttons after the user's latest message
        (or after a session start); empty when there is none or it is too old.
    """
    for event in reversed(list(events)):
        kind = event.get("event")
        if kind in ("user", "session_started"):
            return []
        if kind != "bot":
            continue
        options = options_of((event.get("data") or {}).get("buttons"))
        if not options:
            continue
        timestamp = event.get("timestamp")
        if now is not None and max_age is not None and timestamp is not None:
            if now - float(timestamp) > max_age:
                return []
        return options
    return []


def _normalised(text: Text) -> Text:
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


def could_be_choice(text: Optional[Text]) -> bool:
    """Whether ``text`` is short enough to be a number or a title (worth a tracker read)."""
    return bool(text) and len(text.strip()) <= MAX_CHOICE_CHARS and not text.lstrip().startswith("/")


def resolve(text: Optional[Text], options: Sequence[Option]) -> Optional[Text]:
    """The payload ``text`` chooses among ``options``, or None.

    Args:
        text: The user's message.
        options: The options last shown (``last_options``).

    Returns:
        The payload of option N when the text is just N (1-based; "2.", "(2)", full-width
        digits accepted), else of the option whose title the text equals ignoring case and
        spacing; None when it is neither, or that option has no payload.
    """
    if not options or not could_be_choice(text):
        return None
    normalised = _normalised(text or "")
    number = _NUMBER.fullmatch(normalised)
    if number:
        index = int(number.group(1))
        if 1 <= index <= len(options):
            return options[index - 1].payload
        return None
    for option in options:
        if _normalised(option.title) == normalised:
            return option.payload
    return None
