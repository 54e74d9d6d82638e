"""The handoff action: the user's place in the queue, then Rasa's ConversationPaused."""
from __future__ import annotations

from actions.did_you_mean import ActionDidYouMean
from actions.handoff import ActionHandoff
from bot.stores.db import DatabaseUnavailable
from tests.helpers import run_action


class Queue:
    def __init__(self, waiting=None, down=False):
        self._waiting, self._down = waiting or [], down

    def waiting(self):
        if self._down:
            raise DatabaseUnavailable("down")
        return self._waiting


def test_tells_the_place_in_the_queue_and_pauses(make_tracker):
    action = ActionHandoff(lambda: Queue([("other", 1.0), ("another", 2.0)]))
    messages, events = run_action(action, make_tracker("human_handoff", "/human_handoff"))
    assert messages[0]["response"] == "utter_handoff_queued" and messages[0]["position"] == 3
    assert events == [{"event": "pause", "timestamp": None}]


def test_without_the_queue_still_hands_off(make_tracker):
    messages, events = run_action(ActionHandoff(lambda: Queue(down=True)), make_tracker("human_handoff"))
    assert messages[0]["response"] == "utter_human_handoff"
    assert events[0]["event"] == "pause"


def test_second_message_not_understood_in_a_row_hands_off(make_tracker):
    tracker = make_tracker("nlu_fallback", "blah")
    fallback = {"event": "user", "text": "blah", "parse_data": {"intent": {"name": "nlu_fallback"}}}
    tracker.events = [fallback, {"event": "bot", "text": "did you mean"}, fallback]
    action = ActionDidYouMean(handoff=ActionHandoff(lambda: Queue()))
    messages, events = run_action(action, tracker)
    assert messages[0]["response"] == "utter_handoff_queued" and events[0]["event"] == "pause"
    tracker.events = [fallback]
    messages, events = run_action(action, tracker)
    assert messages[0]["response"] == "utter_did_you_mean" and events == []
