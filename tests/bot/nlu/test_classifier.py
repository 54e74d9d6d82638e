"""TfidfLogisticRegressionClassifier: same matrices as Rasa's code, persisted as numpy arrays."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import numpy as np
import pytest
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import coo_matrix, csr_matrix, diags, random as sparse_random
from sklearn.preprocessing import normalize

from bot.nlu.classifier import TfidfLogisticRegressionClassifier, sentence_features, tfidf
from tests.bot.nlu.components import build

RNG = np.random.default_rng(7)


def featurised(intent: Optional[str] = None, seed: int = 0, dense: bool = False,
               sizes=(30, 50)) -> Message:
    """A message as two count-vector featurizers leave it: sequence + sentence features."""
    rng = np.random.default_rng(seed)
    message = Message(data={TEXT: f"text {seed}", **({INTENT: intent} if intent else {})})
    for origin, size in zip(("words", "chars"), sizes):
        tokens = coo_matrix(rng.integers(0, 2, size=(3, size)))
        message.add_features(Features(tokens, "sequence", TEXT, origin))
        message.add_features(Features(coo_matrix(tokens.sum(axis=0)), "sentence", TEXT, origin))
    if dense:
        message.add_features(Features(rng.random((1, 4)), "sentence", TEXT, "dense"))
    return message


def rasa_matrix(messages: List[Message]) -> csr_matrix:
    return LogisticRegressionClassifier._create_X(None, messages)


@pytest.mark.parametrize("dense", [False, True])
@pytest.mark.parametrize("count", [1, 3])
def test_sentence_features_are_rasas_matrix(dense: bool, count: int) -> None:
    messages = [featurised(seed=i, dense=dense) for i in range(count)]
    ours, theirs = sentence_features(messages), rasa_matrix(messages)
    assert ours.shape == theirs.shape
    assert np.array_equal(ours.toarray(), theirs.toarray())


def test_sentence_features_without_features() -> None:
    assert sentence_features([Message(data={TEXT: "x"})]).shape == (1, 0)


def test_tfidf_is_sublinear_idf_weighting_with_l2_rows() -> None:
    X = csr_matrix(sparse_random(5, 40, density=0.3, random_state=1, format="csr") * 5 + 0)
    X.data = np.ceil(X.data)
    idf = RNG.random(40) + 1
    expected = csr_matrix(X, dtype=np.float64, copy=True)
    expected.data = 1.0 + np.log(expected.data)
    expected = normalize(expected @ diags(idf), norm="l2")
    assert np.allclose(tfidf(X, idf).toarray(), expected.toarray(), rtol=0, atol=1e-15)
    assert np.allclose(np.linalg.norm(tfidf(X, idf).toarray(), axis=1), 1.0)


def test_train_persist_load_same_probabilities(tmp_path: Path) -> None:
    intents = ["a", "b", "c"]
    examples = [featurised(intents[i % 3], seed=i % 3 * 100 + i // 3 % 2) for i in range(30)]
    built = build(TfidfLogisticRegressionClassifier, tmp_path, train=False)
    built.component.train(TrainingData(training_examples=examples))
    loaded = built.load()
    probe = [featurised(seed=s) for s in (0, 101, 200, 7)]
    trained = built.component.clf.predict_proba(built.component._create_X(probe))
    again = loaded.clf.predict_proba(loaded._create_X(probe))
    assert np.array_equal(trained, again)
    assert np.array_equal(loaded.idf, built.component.idf)
    [message] = loaded.process([featurised(seed=100)])
    assert message.get(INTENT)["name"] == "b"
    assert len(message.get("intent_ranking")) == 3


def test_untrained_component_loads_without_arrays(tmp_path: Path) -> None:
    built = build(TfidfLogisticRegressionClassifier, tmp_path, train=False)
    loaded = built.load()
    assert loaded.idf is None
