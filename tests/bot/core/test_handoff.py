"""Handoff state read from a conversation's events."""
from __future__ import annotations

from bot.core import handoff as core


def user(text, intent, ts=1.0):
    return {"event": "user", "text": text, "timestamp": ts, "parse_data": {"intent": {"name": intent}}}


def test_paused_since_follows_the_latest_handoff_event():
    assert core.paused_since([]) is None
    events = [user("hi", "greet"), {"event": "pause", "timestamp": 5.0}, user("more", "x")]
    assert core.paused_since(events) == 5.0
    assert core.paused_since(events + [{"event": "resume", "timestamp": 6.0}]) is None
    assert core.paused_since(events + [{"event": "session_started", "timestamp": 6.0}]) is None


def test_fallback_streak_counts_messages_not_understood_in_a_row():
    bot = {"event": "bot", "text": "did you mean"}
    assert core.last_fallback_streak([user("a", "nlu_fallback")]) == 1
    assert core.last_fallback_streak([user("a", "nlu_fallback"), bot, user("b", "nlu_fallback")]) == 2
    assert core.last_fallback_streak([user("a", "nlu_fallback"), user("c", "greet"), user("b", "nlu_fallback")]) == 1


def test_queue_position_is_by_waiting_time():
    waiting = [("b", 20.0), ("a", 10.0), ("c", 30.0)]
    assert core.queue_position("a", waiting) == 1
    assert core.queue_position("c", waiting) == 3
    assert core.queue_position("new", waiting) == 4  # its pause is not stored yet


def test_context_and_transcript():
    events = [
        {"event": "slot", "name": "language", "value": "zh"},
        {"event": "slot", "name": "province", "value": "anhui"},
        user("需要哪些资料", "faq_documents"),
        user("天气", "out_of_scope"),
        user("/human_handoff", "human_handoff"),
        {"event": "bot", "text": "hi", "timestamp": 2.0, "metadata": {"agent": "alice"}},
        {"event": "pause", "timestamp": 3.0},
    ]
    ctx = core.context(events, ["faq_documents"])
    assert ctx.language == "zh" and ctx.details["province"] == "anhui"
    assert ctx.topics == ["faq_documents"] and ctx.unanswered == ["天气"]
    assert ctx.last_user_text == "天气"  # a button payload is not a question
    kinds = [m["type"] for m in core.transcript([{"event": "session_started"}] + events)]
    assert kinds == ["user", "user", "user", "agent", "handoff"]


def test_figures_count_handoffs_first_replies_and_suggestion_use():
    def agent(ts, suggestion=None, edited=False):
        return {"event": "bot", "text": "x", "timestamp": ts,
                "metadata": {"agent": "a", "suggestion": suggestion, "edited": edited}}

    figures = core.HandoffFigures()
    figures.add([{"event": "pause", "timestamp": 100.0}, agent(130.0, "faq_documents"),
                 agent(140.0, "faq_documents", True), agent(150.0), {"event": "resume"}])
    figures.add([{"event": "pause", "timestamp": 0.0}, agent(10.0)])
    figures.add([{"event": "pause", "timestamp": 0.0}])
    assert (figures.handoffs, figures.claimed) == (3, 2)
    assert figures.median_first_reply == 20.0
    assert (figures.as_is, figures.edited, figures.unused) == (1, 1, 2)
    assert core.same_text("a  b\n", "a b")
