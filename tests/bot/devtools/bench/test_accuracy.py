"""The bench's development-set figures are make eval's (per question, icp_other a decline)."""
from __future__ import annotations

from bot.devtools.bench.accuracy import score_all


def test_bench_accuracy_scores_every_question_and_counts_icp_other_as_a_decline():
    devset = {"en": [("which documents? and what size?", "faq_documents"),
                     ("weather today", "out_of_scope"),
                     ("how long does review take", "icp_other")]}
    answers = {"weather today": "icp_other", "how long does review take": "icp_other"}

    def predict(text):
        return answers.get(text, "compound_question")

    def predict_parts(text):
        if "?" in text:
            return ["faq_documents", "faq_image_requirements"][:1]
        return [predict(text)]

    figures = score_all(predict, devset, predict_parts)["en"]
    assert figures["accuracy"] == 1.0  # the message-level intent (compound_question) is not used
    assert figures["oos_rejection"] == 1.0  # out of scope declined with the near-topic reply
    assert figures["in_scope_rejected"] == 0.0
