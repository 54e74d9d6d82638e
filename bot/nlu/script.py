"""Reads Traditional Chinese messages as Simplified ones and Cantonese words as Mandarin ones
(:mod:`bot.core.script`), words
mistyped with a pinyin input method as meant (:mod:`bot.core.ime`), and pinyin jargon in
English messages as the English words it stands for (:mod:`bot.core.jargon`).

First in the pipeline, before the question splitter: every later component (splitter,
tokenizer, entities, featurizers) sees Simplified text, which is what the training data, the
lexicon and the rules are written in. The user's own words stay in the conversation: Rasa stores
the channel's text in the ``UserUttered`` event; only the parse data carries the converted text.
"""
from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.core.ime import correct
from bot.core.jargon import read_jargon
from bot.core.script import read_as_mandarin
from bot.nlu.stateless import StatelessComponent


class _TextRewrite(StatelessComponent):
    """A component that rewrites each message's text in place with :meth:`rewrite`; training
    examples too when :attr:`IN_TRAINING`."""

    #: Whether training examples are rewritten as well.
    IN_TRAINING = True

    @staticmethod
    def rewrite(text: str) -> str:
        """The text as read."""
        raise NotImplementedError

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Rewrites the training examples when :attr:`IN_TRAINING`; see each subclass."""
        if self.IN_TRAINING:
            self.process(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """Rewrites the text of each message in place, where the rewrite changes it.

        Args:
            messages: Messages with their text.
        """
        for message in messages:
            text = message.get(TEXT)
            if text:
                rewritten = self.rewrite(text)
                if rewritten != text:
                    message.set(TEXT, rewritten)
        return messages


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class SimplifiedChinese(_TextRewrite):
    """Converts each message's text to Simplified characters and reads its Cantonese words as
    Mandarin ones (:func:`bot.core.script.read_as_mandarin`), keeping its length. Training
    examples are converted too, should any be written in Traditional characters or Cantonese."""

    rewrite = staticmethod(read_as_mandarin)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class ImeSlips(_TextRewrite):
    """Reads the lexicon's words that a pinyin input method got wrong by a character of the same
    sound as the words themselves ("和验单", "域名正书": :mod:`bot.core.ime`), keeping the text's
    length. After :class:`SimplifiedChinese` (the sounds table is Simplified) and before the
    question splitter. Training examples are left as written: those with slips teach the
    classifier the slips this table does not know (two-character words, other sounds)."""

    IN_TRAINING = False
    rewrite = staticmethod(correct)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class PinyinTerms(_TextRewrite):
    """Reads pinyin jargon ("hexiaodan", "mubu", "gongzhang") as the words it stands for and
    writes out Chinese forum abbreviations ("个备", "企备"; :mod:`bot.core.jargon`). Before the
    question splitter. Training examples are read the same way: a term there teaches its words."""

    rewrite = staticmethod(read_jargon)
