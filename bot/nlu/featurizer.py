"""Rasa's CountVectorsFeaturizer without the per-token (sequence) features.

Rasa's featurizer computes two matrices per message and attribute: one row per token
("sequence" features, for token-level models such as DIET or CRF entity extractors) and one row
for the whole text ("sentence" features). Our pipeline has no token-level model: the intent
classifier reads sentence features only, and entities come from rules. The sequence matrices
cost about half of the featurizer's time per message (a ``CountVectorizer.transform`` call with
one document per token, then a format conversion) and the same share of training, for nothing.

The vocabulary, the vectorizer settings and the sentence features are exactly Rasa's (same
``fit``, same ``transform`` of the joined tokens); only the sequence features are not made.
"""
from __future__ import annotations

from typing import List, Optional, Text, Tuple

import scipy.sparse
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES

Matrices = List[Optional[scipy.sparse.spmatrix]]


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True
)
class SentenceCountVectorsFeaturizer(CountVectorsFeaturizer):
    """``CountVectorsFeaturizer`` that only makes sentence features (see module doc)."""

    def _create_features(
        self, attribute: Text, all_tokens: List[List[Text]]
    ) -> Tuple[Matrices, Matrices]:
        if not self.vectorizers.get(attribute):
            return [None], [None]
        sentence_features: Matrices = []
        for tokens in all_tokens:
            if not tokens or attribute not in DENSE_FEATURIZABLE_ATTRIBUTES:
                sentence_features.append(None)
                continue
            sentence_vec = self.vectorizers[attribute].transform([" ".join(tokens)])
            sentence_vec.sort_indices()
            sentence_features.append(sentence_vec.tocoo())
        return [None] * len(all_tokens), sentence_features



