"""Detects whether a message is English or Chinese."""

from __future__ import annotations

import re
from typing import List, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.stateless import StatelessComponent
from bot.nlu.tokenizer import CJK_CHAR_PATTERN

LANGUAGE_ENTITY = "language"

_IDEOGRAPH = re.compile(CJK_CHAR_PATTERN)
# Mixed messages such as "APP上传" or "ICP备案要什么材料" are Chinese questions with an English
# acronym; one stray ideograph in an English sentence is not.
_MIN_IDEOGRAPHS = 2
_MIN_IDEOGRAPH_SHARE = 0.25


def detect_language(text: Text) -> Optional[Text]:
    """Guesses the language of a message from the letters it contains.

    Args:
        text: The message text.

    Returns:
        "zh" when ideographs make up a substantial part of the letters, "en" when there are
        other letters, and None when there are no letters at all (emoji, numbers, "/intent"
        payloads), so the caller can keep the language it had.
    """
    if text.lstrip().startswith("/"):
        return None
    ideographs = len(_IDEOGRAPH.findall(text))
    other_letters = sum(1 for char in text if char.isalpha()) - ideographs
    if ideographs and not other_letters:
        return "zh"
    if (
        ideographs >= _MIN_IDEOGRAPHS
        and ideographs / (ideographs + other_letters) >= _MIN_IDEOGRAPH_SHARE
    ):
        return "zh"
    if other_letters:
        return "en"
    return None


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False
)
class LanguageDetector(StatelessComponent, EntityExtractorMixin):
    """Adds a `language` entity ("en" or "zh") that fills the `language` slot.

    Messages without letters get no entity, so the slot keeps the language of the previous
    message instead of flipping on an emoji or a button payload.
    """

    def process(self, messages: List[Message]) -> List[Message]:
        """Adds the language entity to each message that has letters.

        Args:
            messages: The messages to annotate.

        Returns:
            The same messages.
        """
        for message in messages:
            language = detect_language(message.get(TEXT) or "")
            if language is None:
                continue
            entity = {
                "entity": LANGUAGE_ENTITY,
                "value": language,
                "start": 0,
                "end": 0,
                "confidence_entity": 1.0,
                "extractor": self.name,
            }
            message.set(
                ENTITIES, [*message.get(ENTITIES, []), entity], add_to_output=True
            )
        return messages
