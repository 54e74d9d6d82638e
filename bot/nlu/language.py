"""Detects whether a message is English or Chinese (the rule: :func:`bot.core.script.detect_language`)."""

from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.core.script import detect_language
from bot.nlu.stateless import StatelessComponent

LANGUAGE_ENTITY = "language"


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
