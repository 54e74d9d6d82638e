"""Classifies bare answers such as "Liaoning", "actually I'm in Hunan" or "我在广东" as `inform`."""

from __future__ import annotations

import unicodedata
from typing import Any, Dict, Iterable, List, Optional, Set, Text, Tuple

import yaml
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

from bot.core.details import DETAIL_ENTITIES
from bot.core.questions import announces_context, answers_of_things, asks, context_preface_spans, offers_choice
from bot.core.suggest import DECLINING
from bot.core.tailoring import DETAIL_TOPICS
from bot.nlu.compound import part_owner
from bot.nlu.tokenizer import TEXT_PIECES
from bot import settings

INFORM_INTENT = "inform"
PROJECT_ROOT = settings.ROOT


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class DetailsOnlyIntent(GraphComponent):
    """Overrides the intent with `inform` when a message only gives details.

    A message "only gives details" when it has at least one province, applicant type or
    residency entity and everything else is filler words (lexicon `filler_words`) or
    punctuation. Classifiers are unreliable on such short answers, and the answer to a
    question the bot asked must never be mistaken for a new question. Place it after the
    intent classifier and the entity extractors, and before a FallbackClassifier.

    The converse holds too: a message that asks something ("I'm from Hong Kong, can I use my
    HKID?", "I'm not a Chinese citizen. Can I still file?") is never `inform`, even when the
    classifier says so (the details it states look like the `inform` examples). Its intent
    becomes the best other intent, with the confidences divided by ``1 - P(inform)``: the
    classifier's probabilities given that the message is not details-only, so the fallback gate
    still applies to them. "Asks something" is :func:`bot.core.questions.asks`; bare
    follow-ups that only swap a detail ("what about Hunan?") are details-only and stay `inform`.

    Not trainable, so the lexicon is read from `lexicon_path` when the model loads (a relative
    path is taken from the project root, so the bot can be started from any directory).
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Returns the default config (see parent class for full docstring)."""
        return {"lexicon_path": "data/lexicon.yml", "declined_below": 0.7, "threshold": 0.35}

    def __init__(
        self,
        english_fillers: Set[Text],
        chinese_fillers: Set[Text],
        declined_below: float,
        threshold: float,
    ) -> None:
        """Creates the component.

        Args:
            english_fillers: Lowercase English filler words.
            chinese_fillers: Chinese filler words.
            declined_below: How sure the classifier must be of a declining reply
                (:data:`bot.core.suggest.DECLINING`) for a statement of details to be declined.
            threshold: The fallback threshold (config.yml): below it the classifier's intent
                would not count.
        """
        self._english_fillers = english_fillers
        self._chinese_fillers = chinese_fillers
        self._declined_below = declined_below
        self._threshold = threshold
        self._longest_chinese_filler = max(map(len, chinese_fillers), default=0)

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> DetailsOnlyIntent:
        """Creates the component with the filler words of the lexicon."""
        lexicon = yaml.safe_load(
            (PROJECT_ROOT / config["lexicon_path"]).read_text(encoding="utf-8")
        )
        fillers = lexicon["filler_words"]
        # Multi-word fillers ("i mean") are checked word by word, like the message.
        english = {
            word.lower() for filler in fillers["en"] for word in _latin_words(filler)
        }
        return cls(english, set(fillers["zh"]), config["declined_below"], config["threshold"])

    def process(self, messages: List[Message]) -> List[Message]:
        """Sets the intent of details-only messages to `inform`.

        Args:
            messages: Messages already classified and with entities extracted.

        Returns:
            The same messages.
        """
        for message in messages:
            text = message.get(TEXT) or ""
            entities = message.get(ENTITIES, [])
            if not self._is_details_only(text, entities):
                if asks(text):
                    _not_inform(message)
                    continue
                if not (
                    self._states_details(message, entities)
                    or _decided_by_details(message, entities, text)
                    or _announces_details(message, entities, text)
                    or (part_owner(message) is None and self._is_bare_preface(text))
                ):
                    continue
            inform = {INTENT_NAME_KEY: INFORM_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
            ranking = [
                entry
                for entry in message.get(INTENT_RANKING_KEY) or []
                if entry.get(INTENT_NAME_KEY) != INFORM_INTENT
            ]
            message.set(INTENT, inform, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [dict(inform), *ranking], add_to_output=True)
        return messages

    def _states_details(self, message: Message, entities: List[Dict[Text, Any]]) -> bool:
        """A message that asks nothing, names a detail and that the classifier would decline
        ("本人香港身份，目前在广州工作", "Born in Macao, working in Zhuhai now"): the details
        are what it brings, so it is answered as details rather than declined."""
        if not any(entity.get("entity") in DETAIL_ENTITIES for entity in entities):
            return False
        intent = message.get(INTENT) or {}
        confidence = float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
        # A confident decline stays one ("book a flight to Guangzhou").
        return confidence < self._threshold or (
            intent.get(INTENT_NAME_KEY) in DECLINING and confidence < self._declined_below
        )

    def _is_details_only(self, text: Text, entities: List[Dict[Text, Any]]) -> bool:
        spans = [
            (entity["start"], entity["end"])
            for entity in entities
            if entity.get("entity") in DETAIL_ENTITIES
        ]
        return bool(spans) and self._only_fillers_besides(text, spans)

    def _is_bare_preface(self, text: Text) -> bool:
        """A message that only announces the user's case ("先说下情况：", "补充一下", "Some
        context:"): more is coming, and it must not read as a question of its own (it read as
        goodbye or as the letter of authorization)."""
        spans = context_preface_spans(text)
        return bool(spans) and self._only_fillers_besides(text, spans)

    def _only_fillers_besides(self, text: Text, spans: List[Tuple[int, int]]) -> bool:
        """Whether ``text`` is only filler words and punctuation outside ``spans``."""
        chars = list(text)
        for start, end in spans:
            chars[start:end] = " " * (end - start)
        rest = "".join(chars)
        for piece in TEXT_PIECES.finditer(rest):
            word = piece.group()
            if piece.lastgroup == "latin":
                if word.lower().replace("\u2019", "'") not in self._english_fillers:
                    return False
            elif piece.lastgroup == "cjk":
                if not self._is_chinese_filler(word):
                    return False
            elif unicodedata.category(word)[0] not in "PSZC":
                return False
        return True

    def _is_chinese_filler(self, run: Text) -> bool:
        """Tells whether a run of ideographs splits entirely into filler words."""
        # reachable[i]: run[:i] is a sequence of filler words ("我在" = "我" + "在").
        reachable = [True] + [False] * len(run)
        for end in range(1, len(run) + 1):
            reachable[end] = any(
                reachable[start] and run[start:end] in self._chinese_fillers
                for start in range(max(0, end - self._longest_chinese_filler), end)
            )
        return reachable[-1]


def _decided_by_details(message: Message, entities: List[Dict[Text, Any]], text: Text) -> bool:
    """A statement whose answer its details decide ("补充一下：网站负责人是香港居民，备案地在上海。"
    read as the credentials answer): it gives details, and is answered as details, so that a
    topic under way is answered again for them rather than replaced (with none under way the
    reply is the same, :data:`bot.core.tailoring.DETAIL_TOPICS`). Not when it names one of the
    FAQ's things ("广东个人备案 核验单签字" asks about the form in a few words), nor when it
    offers a choice, which asks without a cue ("证件交护照还是居留许可"), nor for one question
    of a compound message (the message asks)."""
    if part_owner(message) is not None or offers_choice(text):
        return False
    intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
    named = {entity.get("entity") for entity in entities}
    return any(DETAIL_TOPICS.get(detail) == intent for detail in named) and not answers_of_things(text)


def _announces_details(message: Message, entities: List[Dict[Text, Any]], text: Text) -> bool:
    """A statement that says it describes the user's case and names a detail ("先说下情况：北京的
    公司，网站负责人就是法人本人。", "Some context: we're a company in Hubei."): the user has
    not asked yet, whatever the statement's words look like to the classifier (a checklist
    request, a rejected order). Not for one question of a compound message."""
    return (
        part_owner(message) is None
        and announces_context(text)
        and any(entity.get("entity") in DETAIL_ENTITIES for entity in entities)
    )


def _beside_inform(message: Message) -> List[Dict[Text, Any]]:
    """The message's ranking without `inform`, best first."""
    return [e for e in message.get(INTENT_RANKING_KEY) or [] if e.get(INTENT_NAME_KEY) != INFORM_INTENT]


def intent_if_asking(message: Message) -> Optional[Text]:
    """The intent a classified message is answered with if it asks: its own, or for one the
    classifier read as details, the best other (what :func:`_not_inform` gives it). The
    ``ElsewhereGate`` judges that answer, since it runs before this component."""
    intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
    if intent != INFORM_INTENT:
        return intent
    others = _beside_inform(message)
    return others[0].get(INTENT_NAME_KEY) if others else None


def _not_inform(message: Message) -> None:
    """Replaces a classifier's `inform` with the best other intent, renormalised."""
    intent = message.get(INTENT) or {}
    if intent.get(INTENT_NAME_KEY) != INFORM_INTENT:
        return
    others = _beside_inform(message)
    if not others:
        return
    rest = max(1.0 - float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0), 1e-9)
    renormalised = [
        {**e, PREDICTED_CONFIDENCE_KEY: min(1.0, float(e.get(PREDICTED_CONFIDENCE_KEY) or 0.0) / rest)}
        for e in others
    ]
    message.set(INTENT, dict(renormalised[0]), add_to_output=True)
    message.set(INTENT_RANKING_KEY, renormalised, add_to_output=True)


def _latin_words(text: Text) -> Iterable[Text]:
    return (
        piece.group().replace("\u2019", "'")
        for piece in TEXT_PIECES.finditer(text)
        if piece.lastgroup == "latin"
    )
