"""Texts the channels compose themselves, from ``data/channel_messages.yml``.

Domain responses need the model's NLG; these texts do not (a reply before the model is loaded,
the "reply with a number" line under numbered options, WeChat's pointers to the help page), so
they live in a data file of their own, one text per language.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, Optional, Text

import yaml

from bot import settings

CHANNEL_MESSAGES_FILE = settings.DATA_DIR / "channel_messages.yml"
LANGUAGE_SEPARATOR = " / "


@lru_cache(maxsize=1)
def channel_messages() -> Dict[Text, Dict[Text, Text]]:
    """Every text of the file, by key then language (read once)."""
    return yaml.safe_load(CHANNEL_MESSAGES_FILE.read_text(encoding="utf-8"))


def channel_text(key: Text, language: Optional[Text], **values: Any) -> Text:
    """A text in ``language``; in every language, joined by " / ", when that one is unknown.

    Args:
        key: The text's key in the file.
        language: "en", "zh", or None when the user's language is not known.
        **values: Values for the text's ``{placeholders}``.
    """
    by_language = channel_messages()[key]
    if language in by_language:
        texts = [by_language[language]]
    else:
        texts = list(by_language.values())
    return LANGUAGE_SEPARATOR.join(text.format(**values) for text in texts)
