"""Plain-text form of a bot message, for places that cannot show buttons.

Some answers end with buttons ("did you mean", follow-up topics). Where buttons are not
rendered (SMS-like channels, a support agent pasting a suggested reply into an e-mail or a
ticket), the options would silently disappear, so they are appended as a numbered list the
reader can answer with.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text


def button_list(buttons: List[Dict[Text, Any]]) -> Text:
    """Numbers the button titles: ``"1. Title"``, one per line (empty without titles)."""
    titles = [str(b.get("title") or "").strip() for b in buttons or []]
    titles = [title for title in titles if title]
    return "\n".join(f"{number}. {title}" for number, title in enumerate(titles, start=1))


def as_plain_text(message: Dict[Text, Any]) -> Text:
    """Returns the message's text with its buttons appended as a numbered list.

    Args:
        message: A rendered bot message (``text`` and optional ``buttons``), as produced by
            Rasa's NLG or sent to an output channel.

    Returns:
        The text, a blank line and ``"1. Title"`` lines; just one of the two when the other
        is missing; an empty string for a message with neither.
    """
    parts = [str(message.get("text") or "").strip(), button_list(message.get("buttons") or [])]
    return "\n\n".join(part for part in parts if part)
