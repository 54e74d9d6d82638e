"""ICP Filing questions outside document upload (intent ``icp_other``): declined with a pointer."""
from __future__ import annotations

from bot.core.suggest import agent_candidates, ranked_topics
from bot.core.topics import load_topics
from tests.data.responses import domain_responses, language_of


def test_icp_other_is_answerable_but_never_suggested_as_an_faq_answer() -> None:
    topics = load_topics()
    assert topics["icp_other"].general == "utter_icp_other"
    assert not topics["icp_other"].suggestable
    ranking = [{"name": "icp_other", "confidence": 0.8}, {"name": "faq_documents", "confidence": 0.1}]
    assert [t.intent for t, _ in ranked_topics(ranking, topics)] == ["faq_documents"]


def test_agents_get_the_declining_reply_that_ranks_highest() -> None:
    topics = load_topics()
    ranking = [{"name": "icp_other", "confidence": 0.7}, {"name": "out_of_scope", "confidence": 0.2}]
    assert agent_candidates(ranking, topics) == [("icp_other", 0.7)]
    ranking = [{"name": "out_of_scope", "confidence": 0.6}, {"name": "icp_other", "confidence": 0.3}]
    assert agent_candidates(ranking, topics) == [("out_of_scope", 0.6)]
    # Neither ranked: out of scope, which promises nothing.
    assert agent_candidates([{"name": "greet", "confidence": 0.9}], topics) == [("out_of_scope", 0.0)]


def test_the_reply_says_where_to_look_and_offers_a_human_in_both_languages() -> None:
    variations = domain_responses()["utter_icp_other"]
    assert {language_of(v) for v in variations} == {"en", "zh"}
    for variation in variations:
        assert "https://beian.aliyun.com/" in variation["text"]
        assert "/human_handoff" in [b["payload"] for b in variation["buttons"]]
