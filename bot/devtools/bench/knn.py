"""Baseline (c): TF-IDF nearest-neighbour retrieval over the training examples.

Each training example is a vector of TF-IDF weighted character n-grams (1-4, ``char_wb``) and
word n-grams (1-2) side by side, L2-normalised; a question gets the intent of its most similar
training example (cosine similarity). When that similarity is below a threshold the question
is rejected (``out_of_scope``). The threshold is tuned by stratified k-fold cross-validation on
the TRAINING examples only (the development and test sets are never looked at): for each fold the
vectoriser is refitted on the other folds, and the threshold maximising the pooled accuracy
(rejecting an out-of-scope example counts as correct, as in ``bot.devtools.eval.score``) wins.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Sequence, Tuple

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import normalize

OUT_OF_SCOPE = "out_of_scope"
THRESHOLDS = np.round(np.arange(0.0, 0.951, 0.01), 2)


def load_training_examples(nlu_dirs: Sequence[Path]) -> List[Tuple[str, str]]:
    """(text, intent) pairs of the NLU training data, read with Rasa's own loader."""
    from rasa.shared.nlu.training_data.loading import load_data

    pairs: List[Tuple[str, str]] = []
    for folder in nlu_dirs:
        data = load_data(str(folder))
        pairs.extend(
            (str(m.get("text")), str(m.get("intent")))
            for m in data.intent_examples
            if m.get("text") and m.get("intent")
        )
    return pairs


class TfidfNearestNeighbour:
    """Top-1 cosine nearest neighbour over char + word TF-IDF n-grams."""

    def __init__(self, threshold: float = 0.0) -> None:
        self.threshold = threshold
        self._char = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True, lowercase=True
        )
        self._word = TfidfVectorizer(
            analyzer="word",
            ngram_range=(1, 2),
            sublinear_tf=True,
            lowercase=True,
            token_pattern=r"(?u)\b\w+\b",
        )
        self._X: sp.csr_matrix | None = None
        self._labels: np.ndarray | None = None

    def _vectors(self, texts: Sequence[str], fit: bool = False) -> sp.csr_matrix:
        if fit:
            parts = [self._char.fit_transform(texts), self._word.fit_transform(texts)]
        else:
            parts = [self._char.transform(texts), self._word.transform(texts)]
        return normalize(sp.hstack(parts).tocsr(), norm="l2")

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> "TfidfNearestNeighbour":
        self._X = self._vectors(texts, fit=True)
        self._labels = np.asarray(labels)
        return self

    def neighbours(self, texts: Sequence[str]) -> Tuple[np.ndarray, np.ndarray]:
        """Intent and cosine similarity of the nearest training example of each text."""
        sims = (self._vectors(texts) @ self._X.T).toarray()
        best = sims.argmax(axis=1)
        return self._labels[best], sims[np.arange(len(texts)), best]

    def predict(self, texts: Sequence[str]) -> List[str]:
        intents, sims = self.neighbours(texts)
        return [OUT_OF_SCOPE if s < self.threshold else i for i, s in zip(intents, sims)]

    def predictor(self) -> Callable[[str], str]:
        return lambda text: self.predict([text])[0]


@dataclass
class ThresholdSearch:
    threshold: float
    cv_accuracy: float
    folds: int
    curve: Dict[str, float] = field(default_factory=dict)


def tune_threshold(
    texts: Sequence[str], labels: Sequence[str], folds: int = 5, seed: int = 0
) -> ThresholdSearch:
    """Threshold with the best pooled cross-validated accuracy on the training examples."""
    texts, labels = list(texts), np.asarray(labels)
    nn_intent = np.empty(len(texts), dtype=object)
    nn_sim = np.zeros(len(texts))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(texts, labels):
        model = TfidfNearestNeighbour().fit([texts[i] for i in train_idx], labels[train_idx])
        intent, sim = model.neighbours([texts[i] for i in test_idx])
        nn_intent[test_idx] = intent
        nn_sim[test_idx] = sim
    curve = {}
    for t in THRESHOLDS:
        pred = np.where(nn_sim < t, OUT_OF_SCOPE, nn_intent)
        curve[f"{t:.2f}"] = float(np.mean(pred == labels))
    best = max(curve, key=lambda k: (curve[k], -float(k)))
    return ThresholdSearch(threshold=float(best), cv_accuracy=curve[best], folds=folds, curve=curve)


def build(nlu_dirs: Sequence[Path]) -> Tuple[TfidfNearestNeighbour, ThresholdSearch, int]:
    """Tunes the threshold by CV, then fits on all training examples."""
    pairs = load_training_examples(nlu_dirs)
    texts = [t for t, _ in pairs]
    labels = [i for _, i in pairs]
    search = tune_threshold(texts, labels)
    model = TfidfNearestNeighbour(threshold=search.threshold).fit(texts, labels)
    return model, search, len(pairs)
