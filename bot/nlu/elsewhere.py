"""Declines FAQ answers to messages about another procedure (:mod:`bot.core.elsewhere`) or about
what the FAQ does not say of the thing they name (:mod:`bot.core.aspects`)."""
from __future__ import annotations

from typing import Dict, FrozenSet, List, Optional, Text

from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.training_data.message import Message

from bot.core.aspects import uncovered_aspect
from bot.core.elsewhere import in_icp_world, neighbouring_filing, other_procedure
from bot.core.suggest import ICP_OTHER, OUT_OF_SCOPE
from bot.core.topics import faq_answers
from bot.nlu.compound import ELSEWHERE_KEY, UNCOVERED_KEY, details_of, is_view, of_several, part_owner
from bot.nlu.inform import INFORM_INTENT, intent_if_asking
from bot.nlu.stateless import StatelessComponent


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class ElsewhereGate(StatelessComponent):
    """Turns an FAQ answer into `out_of_scope` when the message is about another procedure.

    "社保APP上传身份证照片，格式有要求吗" names the social-security app and nothing of ICP
    Filing: the image rules of the filing system would be a confident, wrong answer. When the
    classifier's intent is an FAQ answer, the probability of every FAQ answer goes to
    `out_of_scope` (the message is not about the filing system, so none of them applies) and
    they leave the ranking: neither the fallback's "did you mean" nor an agent's suggestions
    offer them. Other intents (greetings, `icp_other`, `inform`) are left alone.

    The verdict is the whole message's: a question of a compound message
    (:mod:`bot.nlu.compound`) is judged with the message it came from, since the other
    procedure is often named in one question and not repeated in the next. Place it after the
    classifier and before ``DetailsOnlyIntent`` and ``CompoundCollector``.

    A question about a filing next to ICP Filing ("公安备案要传什么材料"; :func:`neighbouring_filing`)
    gets the near-topic answer (`icp_other`) the same way, judged question by question, and so
    does a question about an aspect its FAQ answer does not cover ("授权书上要不要盖章":
    :func:`uncovered_aspect`). A question the classifier put out of scope that is about ICP
    Filing all the same ("域名实名认证一直审核失败", "护照要拍哪几页" after a question about the
    owner's passport: :func:`in_icp_world`) gets the near-topic answer too.
    """

    def process(self, messages: List[Message]) -> List[Message]:
        """Declines the FAQ answers of messages (and their questions) about another procedure.

        Args:
            messages: Classified messages, each followed by its questions (if any).

        Returns:
            The same messages.
        """
        answers = faq_answers()
        verdicts: Dict[int, Optional[str]] = {}
        # Each message's question asked last so far: what a question naming no thing is about.
        asked_before: Dict[int, Text] = {}
        originals = 0
        for message in messages:
            owner = part_owner(message)
            before = ""
            if owner is not None and not is_view(message):
                before = asked_before.get(owner, "")
                asked_before[owner] = message.get(TEXT) or ""
            if owner is None:
                verdicts[originals] = other_procedure(message.get(TEXT) or "")
                procedure = verdicts[originals]
                originals += 1
            else:
                procedure = verdicts.get(owner)
            if procedure is not None:
                _decline(message, procedure, answers, OUT_OF_SCOPE)
                continue
            neighbour = neighbouring_filing(message.get(TEXT) or "")
            if neighbour is not None:
                _decline(message, neighbour, answers, ICP_OTHER)
                continue
            if _intent_name(message) == OUT_OF_SCOPE and in_icp_world(
                message.get(TEXT) or "", of_a_filing_message=of_several(message)
            ):
                _move(message, OUT_OF_SCOPE, ICP_OTHER)
                continue
            intent = intent_if_asking(message)
            a_question = owner is not None and not is_view(message)
            aspect = uncovered_aspect(
                message.get(TEXT) or "", intent, before=before, a_question=a_question
            ) if intent in answers else None
            if aspect is None and intent in answers and details_of(message) is not None:
                # The details may be what the aspect says ("人在香港能刷脸吗" read without 香港):
                # the reading answers the question as asked, so it is judged as asked.
                aspect = uncovered_aspect(details_of(message), intent, before=before, a_question=a_question)
            if aspect is not None:
                _decline(message, aspect, answers, ICP_OTHER, key=UNCOVERED_KEY)
        return messages


def _decline(
    message: Message, reason: Text, answers: FrozenSet[Text], to: Text, key: Text = ELSEWHERE_KEY
) -> None:
    # The reason (the procedure, filing or aspect named) is recorded whatever the intent: no
    # other reading of the message may answer it from the FAQ (bot.nlu.compound), even when the
    # classifier already declined the message itself.
    message.set(key, reason, add_to_output=True)
    intent = message.get(INTENT) or {}
    details = intent.get(INTENT_NAME_KEY) == INFORM_INTENT
    if intent.get(INTENT_NAME_KEY) not in answers and not details:
        return
    ranking = message.get(INTENT_RANKING_KEY) or []
    moved = sum(
        float(e.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
        for e in ranking
        if e.get(INTENT_NAME_KEY) in answers or e.get(INTENT_NAME_KEY) == to
    )
    declined = {INTENT_NAME_KEY: to, PREDICTED_CONFIDENCE_KEY: min(1.0, moved)}
    others = [
        e for e in ranking if e.get(INTENT_NAME_KEY) not in answers and e.get(INTENT_NAME_KEY) != to
    ]
    if details:
        # Still details if it is nothing else; if it asks, the best other intent is the decline.
        rest = sorted([dict(declined), *others], key=lambda e: -float(e.get(PREDICTED_CONFIDENCE_KEY) or 0.0))
        message.set(INTENT_RANKING_KEY, rest, add_to_output=True)
        return
    message.set(INTENT, declined, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [dict(declined), *others], add_to_output=True)


def _intent_name(message: Message) -> Optional[Text]:
    return (message.get(INTENT) or {}).get(INTENT_NAME_KEY)


def _move(message: Message, source: Text, to: Text) -> None:
    """Gives the intent ``source`` to ``to``, with the same confidence: a question the classifier
    was unsure was out of scope stays below the fallback gate."""
    intent = message.get(INTENT) or {}
    moved = {INTENT_NAME_KEY: to, PREDICTED_CONFIDENCE_KEY: intent.get(PREDICTED_CONFIDENCE_KEY)}
    ranking = message.get(INTENT_RANKING_KEY) or []
    others = [e for e in ranking if e.get(INTENT_NAME_KEY) not in (source, to)]
    message.set(INTENT, moved, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [dict(moved), *others], add_to_output=True)
