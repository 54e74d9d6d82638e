"""The whole message's fallback gate, with the answer in mind rather than the intent alone.

Rasa's ``FallbackClassifier`` calls a message ambiguous when its two best intents are close. Two
intents whose answers answer each other's questions (``interchangeable`` in ``data/topics.yml``:
the documents list and the personal checklist) are no such doubt: "重庆，个人备案，我需要准备哪些
材料？" read half as one and half as the other gets the better one, not "did you mean". The
confidence threshold stays as it is. :class:`bot.nlu.compound.CompoundCollector` gates each
question of a compound message the same way.
"""
from __future__ import annotations

from typing import Optional, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier
from rasa.shared.nlu.constants import INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message

from bot.core.topics import torn_between_interchangeable


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class AnswerFallbackClassifier(FallbackClassifier):
    """``FallbackClassifier`` whose ambiguity test spares interchangeable answers."""

    def _nlu_prediction_ambiguous(self, message: Message) -> Tuple[bool, Optional[float]]:
        ambiguous, difference = super()._nlu_prediction_ambiguous(message)
        if ambiguous and torn_between_interchangeable(message.data.get(INTENT_RANKING_KEY) or []):
            return False, difference
        return ambiguous, difference
