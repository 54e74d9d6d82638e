"""SentenceCountVectorsFeaturizer: Rasa's sentence features, no sequence features."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import numpy as np
import pytest
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.featurizer import SentenceCountVectorsFeaturizer
from tests.bot.nlu.components import build

TRAIN = [
    ("how do I upload the authorization letter", "ask_authorization_letter"),
    ("which documents for a foreigner passport", "ask_foreign_credentials"),
    ("can I upload the app after my order was rejected", "ask_reupload_rejected"),
    ("who signs the authenticity form", "ask_authenticity_signing"),
]
PROBES = ["upload letter for the app", "passport of a foreigner", "zzz unknown words", "form"]


def tokenized(*texts: str, intents=None) -> list:
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    out = [Message(data={TEXT: t, **({INTENT: i} if i else {})})
           for t, i in zip(texts, intents or [None] * len(texts))]
    tokenizer.process(out)
    return out


@pytest.mark.parametrize("config", [
    {"analyzer": "word", "min_ngram": 1, "max_ngram": 2},
    {"analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4},
])
def test_same_sentence_features_as_rasa_and_no_sequence_features(
    tmp_path: Path, config: Dict[str, Any]
) -> None:
    data = TrainingData(tokenized(*(t for t, _ in TRAIN), intents=[i for _, i in TRAIN]))
    ours = build(SentenceCountVectorsFeaturizer, tmp_path / "ours", train=False, **config)
    rasas = build(CountVectorsFeaturizer, tmp_path / "rasa", train=False, **config)
    ours.component.train(data)
    rasas.component.train(data)
    loaded = ours.load()
    for probe in PROBES:
        [mine] = loaded.process(tokenized(probe))
        [theirs] = rasas.component.process(tokenized(probe))
        seq, sent = mine.get_sparse_features(TEXT)
        their_seq, their_sent = theirs.get_sparse_features(TEXT)
        assert seq is None and their_seq is not None
        assert np.array_equal(sent.features.toarray(), their_sent.features.toarray())


def test_training_examples_get_sentence_features_only(tmp_path: Path) -> None:
    data = TrainingData(tokenized(*(t for t, _ in TRAIN), intents=[i for _, i in TRAIN]))
    built = build(SentenceCountVectorsFeaturizer, tmp_path, train=False)
    built.component.train(data)
    built.component.process_training_data(data)
    for example in data.training_examples:
        seq, sent = example.get_sparse_features(TEXT)
        assert seq is None and sent.features.shape[0] == 1
