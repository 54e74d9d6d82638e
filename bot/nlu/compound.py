"""Classifies every question of a message with the same pipeline (compound questions).

Two components bracket the pipeline:

- :class:`QuestionSplitter`, first after Rasa's message converter: cuts each message into its
  questions (:func:`bot.core.questions.split_questions`) and appends one extra ``Message`` per
  question to the list the graph carries. Every later component (tokenizer, language, entities,
  featurizers, classifier, ``DetailsOnlyIntent``) processes these parts exactly like the
  message itself, in the same call: the parts are classified by the very featurizers and
  classifier that classify whole messages, without a second model and without an extra
  round trip.
- :class:`CompoundCollector`, after the classifier and ``DetailsOnlyIntent`` and before the
  ``FallbackClassifier``: takes the parts out of the list again and stores them in the message
  (``compound`` in the parse data: text as classified, the question as asked, intent,
  confidence, ranking, entities and whether the part clears the fallback gate). A message whose parts ask two or more different things
  gets the intent :data:`COMPOUND_INTENT` (confidence 1), which a rule routes to
  ``action_answer_questions``; the per-part fallback gate is applied by that action from
  ``confident``. A message of one question, or whose questions all ask the same thing, keeps
  its own classification: nothing changes for it.

Why in the graph rather than in an action: the action server has no model, and running the
parts through Rasa's HTTP API from an action would parse twice and need the API enabled. The
splitter does nothing at training time (training examples are single questions).

A long message of one question (:func:`bot.core.questions.question_view`) is classified twice
the same way: whole, and as its question with the details its background names. When the
question alone is an FAQ answer read more surely than the whole message's (also an FAQ answer,
another one), the question's reading wins: a background that mentions the business licence and
the form must not turn "法人那边的证件应该传哪一种？" into the documents list. A background that
helps keeps the whole message's reading, which is then the surer one. A whole message read as
near-topic or out of scope gives way only to a question read surer by a clear margin
(:data:`QUESTION_VIEW_MARGIN_OVER_DECLINED`): a background of migrations and other clouds makes
a plain "what do I actually need to upload?" read as near-topic.

A short message of one question that names details (a province, individual or company, a
residency) is likewise read a second time without them (:func:`bot.core.questions.without_details`):
"安徽个人备案，授权书能不能用APP传" reads as the app's provinces whole (most training examples
that name a province ask that) and as what the app can upload without "安徽个人备案". That reading
wins only when it is surer by more than :data:`DETAILS_VIEW_MARGIN`, since the detail is
sometimes the very subject ("will a Hong Kong identity card do?"). Each question of a compound
message, which carries the message's details, is read without them the same way ("Taiwanese,
Liaoning: what should he wear?" is the face check's tips, not the Taiwanese owner's ID). The
entities, and so the tailoring, stay the whole message's.

The first question of a long compound message carries the whole background, which pulls it the
same way; it is also read with only the details the background names
(:func:`bot.core.questions.first_question_view`), and the surer reading wins.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.core.parts import DECLINED
from bot.core.parts import key as part_key
from bot.core.parts import name as part_name
from bot.core.parts import resolve
from bot.core.compound import HANDOFF
from bot.core.questions import (
    COMPOUND_INTENT,
    asks_for_a_person,
    first_question_view,
    question_view,
    questions_of,
    without_details,
)
from bot.core.suggest import ICP_OTHER
from bot.core.topics import faq_answers, torn_between_interchangeable
from bot.nlu.stateless import StatelessComponent

#: Parse-data key holding the parts.
COMPOUND_KEY = "compound"
#: A part's key for the question as the user wrote it (``text`` is what was classified, with
#: the context it needed); replies quote this one.
ASKED_KEY = "asked"
# Marks a part in the message list between the two components (never in the output).
_PART_OF = "compound_part_of"
# Marks a part that is another reading of its message, not one of several questions: the
# value is its kind, QUESTION_VIEW or DETAILS_VIEW.
_VIEW = "compound_view"
# For a view of one of several questions, that question's position among them.
_VIEW_OF = "compound_view_of"
# A reading without the details: the question it was read from.
_DETAILS_OF = "compound_details_of"
#: A long message's question read with the background's details only.
QUESTION_VIEW = "question"
#: A question read without the details it names.
DETAILS_VIEW = "details"
#: How much surer a long message's question must be read than the whole message to win.
QUESTION_VIEW_MARGIN = 0.0
#: ...and than a whole message read as declined (near-topic or out of scope): a background of
#: migrations, deadlines and other clouds makes a plain "what do I upload?" read as near-topic.
QUESTION_VIEW_MARGIN_OVER_DECLINED = 0.2
#: How much surer a message must be read without its details to win: the details are often
#: what the question is about ("will a Hong Kong identity card do?"), so a near tie keeps them.
#: Never over a declined reading: a detail does not make a near-topic question answerable.
DETAILS_VIEW_MARGIN = 0.05
_MARGINS = {QUESTION_VIEW: (QUESTION_VIEW_MARGIN, QUESTION_VIEW_MARGIN_OVER_DECLINED), DETAILS_VIEW: (DETAILS_VIEW_MARGIN, None)}

#: Parse-data key naming the other procedure or neighbouring filing a reading is about (set by
#: :class:`bot.nlu.elsewhere.ElsewhereGate`; for logs and agents). No other reading of the
#: message overrides such a reading: a question view without the background that named
#: 公安备案 would otherwise turn "…现在要做公安备案。要传什么材料？" back into the documents list.
ELSEWHERE_KEY = "elsewhere"
#: Parse-data key naming what a question asks that the FAQ does not say about the thing it
#: names (:mod:`bot.core.aspects`; set by the same gate). It stands the same way: the message
#: read without "要不要盖章" would be the authorization letter's answer again.
UNCOVERED_KEY = "uncovered_aspect"
#: How many ranked intents each part keeps (for "did you mean" and agent suggestions).
RANKING_KEPT = 5


def part_owner(message: Message) -> Optional[int]:
    """For a question the splitter appended, the index of its message among the originals."""
    return message.get(_PART_OF)


def is_view(message: Message) -> bool:
    """Whether a message the splitter appended is another reading of a question (a view), not
    one of the questions the message asks."""
    return message.get(_VIEW) is not None


def details_of(message: Message) -> Optional[str]:
    """For a reading of a question without its details, the question as read with them."""
    return message.get(_DETAILS_OF)


def of_several(message: Message) -> bool:
    """Whether a message the splitter appended is one of several questions of its message, or a
    reading of one (not a reading of a message of one question)."""
    return part_owner(message) is not None and (not is_view(message) or message.get(_VIEW_OF) is not None)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class QuestionSplitter(StatelessComponent):
    """Appends one message per question (see the module doc). Place it first in the pipeline."""

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Training examples are single questions: left as they are."""
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """Returns each message followed by its questions (only when it has two or more).

        Args:
            messages: Messages with their text.
        """
        out: List[Message] = []
        for index, message in enumerate(messages):
            out.append(message)
            text = message.get(TEXT) or ""
            parts = questions_of(text) if text else []
            if len(parts) < 2:
                view, kind = question_view(text), QUESTION_VIEW
                if view is None:
                    view, kind = without_details(text), DETAILS_VIEW
                if view is not None:
                    data = {TEXT: view, _PART_OF: index, _VIEW: kind}
                    if kind == DETAILS_VIEW:
                        data[_DETAILS_OF] = text
                    out.append(Message(data=data))
                continue
            first = first_question_view(text)
            if first is not None:
                # A long message's first question, read with the details of its background only.
                out.append(Message(data={TEXT: first, _PART_OF: index, _VIEW: QUESTION_VIEW, _VIEW_OF: 0}))
            for position, part in enumerate(parts):
                out.append(Message(data={TEXT: part.text, _PART_OF: index, ASKED_KEY: part.asked}))
                # A question carries the message's details ("广东个人，另外…"): read it without too.
                rest = without_details(part.text)
                if rest is not None:
                    out.append(Message(data={
                        TEXT: rest, _PART_OF: index, _VIEW: DETAILS_VIEW, _VIEW_OF: position,
                        _DETAILS_OF: part.text,
                    }))
        return out


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class CompoundCollector(GraphComponent):
    """Folds the parts back into their message (see the module doc).

    Its ``threshold`` and ``ambiguity_threshold`` must be the FallbackClassifier's (config.yml):
    a part is answered only when a whole message with that classification would be.
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """The FallbackClassifier's thresholds of config.yml."""
        return {"threshold": 0.35, "ambiguity_threshold": 0.05}

    def __init__(self, config: Dict[Text, Any]) -> None:
        """Creates the component with its fallback thresholds."""
        self._threshold = float(config["threshold"])
        self._ambiguity = float(config["ambiguity_threshold"])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> CompoundCollector:
        """Creates the component."""
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        """Removes the parts from the list and stores them in their message.

        Args:
            messages: The splitter's list, classified.

        Returns:
            The original messages only.
        """
        originals: List[Message] = []
        parts: Dict[int, List[Message]] = {}
        for message in messages:
            owner = part_owner(message)
            if owner is None:
                originals.append(message)
            else:
                parts.setdefault(owner, []).append(message)
        for index, message in enumerate(originals):
            questions = [part for part in parts.get(index, []) if part.get(_VIEW) is None]
            views = [part for part in parts.get(index, []) if part.get(_VIEW) is not None]
            for view in views:
                # A view of one question reads that question again; any other, the message.
                position = view.get(_VIEW_OF)
                _read_as_its_question(message if position is None else questions[position], view)
            if questions:
                self._collect(message, questions)
        return originals

    def part_summary(self, part: Message) -> Dict[Text, Any]:
        """What the dialogue needs of one part."""
        intent = part.get(INTENT) or {}
        ranking = (part.get(INTENT_RANKING_KEY) or [])[:RANKING_KEPT]
        return {
            TEXT: part.get(TEXT),
            ASKED_KEY: part.get(ASKED_KEY) or part.get(TEXT),
            INTENT: {
                INTENT_NAME_KEY: intent.get(INTENT_NAME_KEY),
                PREDICTED_CONFIDENCE_KEY: float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0),
            },
            INTENT_RANKING_KEY: [
                {
                    INTENT_NAME_KEY: e.get(INTENT_NAME_KEY),
                    PREDICTED_CONFIDENCE_KEY: float(e.get(PREDICTED_CONFIDENCE_KEY) or 0.0),
                }
                for e in ranking
            ],
            ENTITIES: [
                {k: e.get(k) for k in ("entity", "value", "start", "end")}
                for e in part.get(ENTITIES) or []
            ],
            "confident": self.is_confident(part),
        }

    def is_confident(self, part: Message) -> bool:
        """The FallbackClassifier's test: confident enough and not too close to the runner-up,
        unless the two are interchangeable answers (:mod:`bot.nlu.fallback`).

        Except for a question whose best reading is the near-topic reply (``icp_other``): it
        gets that reply however sure. The reply claims nothing ("no reliable answer here: the
        FAQ does not cover it; see beian.aliyun.com or an agent"), so it cannot be a confident,
        wrong answer, and in a reply to several questions it tells more than a "did you mean"
        line offering FAQ answers the classifier found less likely.
        """
        ranking = part.get(INTENT_RANKING_KEY) or []
        confidence = float((part.get(INTENT) or {}).get(PREDICTED_CONFIDENCE_KEY) or 0.0)
        if (part.get(INTENT) or {}).get(INTENT_NAME_KEY) == ICP_OTHER:
            return True
        if confidence < self._threshold:
            return False
        if len(ranking) >= 2 and not torn_between_interchangeable(ranking):
            first, second = (float(e.get(PREDICTED_CONFIDENCE_KEY) or 0.0) for e in ranking[:2])
            if first - second < self._ambiguity:
                return False
        return True

    def _collect(self, message: Message, parts: List[Message]) -> None:
        for part in parts:
            if asks_for_a_person(part.get(ASKED_KEY) or part.get(TEXT) or ""):
                # A request for an agent in so many words is the handoff (bot.core.questions).
                handoff = {INTENT_NAME_KEY: HANDOFF, PREDICTED_CONFIDENCE_KEY: 1.0}
                part.set(INTENT, handoff)
                part.set(INTENT_RANKING_KEY, [dict(handoff)])
        summaries = [self.part_summary(part) for part in parts]
        message.set(COMPOUND_KEY, summaries, add_to_output=True)
        if not asks_several_things(summaries):
            return
        compound = {INTENT_NAME_KEY: COMPOUND_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
        message.set(INTENT, compound, add_to_output=True)
        # The whole message's own classifications answer none of its questions (each part has
        # its ranking), and one of them close to 1 would make the FallbackClassifier call a
        # clear compound message ambiguous ("Macao ID? Taiwan ID?" is foreign_credentials 0.96).
        message.set(INTENT_RANKING_KEY, [dict(compound)], add_to_output=True)


def _read_as_its_question(message: Message, view: Message) -> None:
    """Gives a message the reading of its ``view`` (its question alone, or without its details)
    when that is an FAQ answer surer by the view's margin than the whole message's reading,
    an FAQ answer or, for a question view, a declined one (module doc)."""
    if message.get(ELSEWHERE_KEY) or message.get(UNCOVERED_KEY):
        return  # declined for another procedure, a neighbouring filing or an uncovered aspect: that stands
    answers = faq_answers()
    whole = message.get(INTENT) or {}
    own = view.get(INTENT) or {}
    if own.get(INTENT_NAME_KEY) not in answers or own.get(INTENT_NAME_KEY) == whole.get(INTENT_NAME_KEY):
        return
    over_answer, over_declined = _MARGINS[view.get(_VIEW)]
    if whole.get(INTENT_NAME_KEY) in answers:
        margin = over_answer
    elif whole.get(INTENT_NAME_KEY) in DECLINED and over_declined is not None:
        margin = over_declined
    else:
        return
    if float(own.get(PREDICTED_CONFIDENCE_KEY) or 0.0) <= float(whole.get(PREDICTED_CONFIDENCE_KEY) or 0.0) + margin:
        return
    message.set(INTENT, dict(own), add_to_output=True)
    message.set(INTENT_RANKING_KEY, [dict(e) for e in view.get(INTENT_RANKING_KEY) or []], add_to_output=True)


def asks_several_things(parts: List[Dict[Text, Any]]) -> bool:
    """Whether the parts need one answer each: two different questions (intent, or the same
    intent for different details: :mod:`bot.core.parts`), or an unclear part.

    Parts that only give details (``inform``) do not count: the details already apply to the
    whole message; a bare follow-up ("what about foreigners?") asks the question before it.
    """
    questions: List[Any] = []
    unclear = False
    for part in resolve(parts):
        if part_name(part) == "inform":
            continue
        if not part.get("confident"):
            unclear = True
        elif part_key(part) not in questions:
            questions.append(part_key(part))
    return len(questions) >= 2 or (unclear and len(questions) + unclear >= 2)
