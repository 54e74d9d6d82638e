"""A bounded view of a long conversation: the last turns, with the state they started from.

Rasa re-reads every event of the current session on each turn: the tracker store parses and
replays them, ``applied_events()`` walks them several times, RulePolicy featurises the state
after every action of the session (twice per prediction), and custom action calls serialise
them all. So a turn's cost grows with the length of the conversation (6 ms at turn 10,
~60 ms at turn 110, docs/benchmarks.md).

Nothing in this project looks further back than a few turns: the longest rule spans one user
turn (``tests/bot/stores/test_history.py`` checks it against ``data/rules``), the custom actions
read only slots and the latest message, the typed-choice resolution of the plain channel
reads back to the last user message, and the WeChat retry check reads the latest messages.
:func:`window` therefore gives Rasa a tracker made of

1. the head of the session (``action_session_start``, ``session_started``, the carried-over
   slots, up to the first ``action_listen``), as stored;
2. inserted before that ``action_listen``, ``SlotSet`` events (and
   ``ConversationPaused``/``ConversationResumed``) that bring the head to the state the conversation had just before the kept turns: every slot value, the paused
   (handoff) state, as Rasa's own session start carries slots over;
3. the last ``keep_turns`` user turns, as stored.

Every slot, the latest message, the latest action and bot utterance, the paused state and the
input channel are those of the full tracker, and the states RulePolicy matches its rules
against (the last few) are the same, so predictions and new events are the same (tested on
long conversations against full trackers). The database keeps every event: only what one turn
reads is bounded. The synthetic events of step 2 are never stored (the store counts them as
stored rows of the tracker it hands out).

A tracker with an active loop (form) is left whole: loops are unwound by ``applied_events``
back to their start, which may lie before the window. This project has no forms.
"""
from __future__ import annotations

from typing import List, Optional

from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import (
    ActionExecuted,
    ConversationPaused,
    ConversationResumed,
    Event,
    Restarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

# Marker in the metadata of the events this module adds (never stored, see module doc).
SYNTHETIC_KEY = "icp_history_window"


def _is_listen(event: Event) -> bool:
    return isinstance(event, ActionExecuted) and event.action_name == ACTION_LISTEN_NAME


def turn_starts(events: List[Event]) -> List[int]:
    """Indexes of the user messages that follow an ``action_listen`` (one per user turn)."""
    return [
        i for i in range(1, len(events))
        if isinstance(events[i], UserUttered) and _is_listen(events[i - 1])
    ]


def head_length(events: List[Event]) -> Optional[int]:
    """Length of the session head: the events up to and including the first action_listen.

    None when the events contain a ``Restarted`` (kept whole: a restart resets the state in
    ways a window would have to mirror) or no ``action_listen``.
    """
    if any(isinstance(e, Restarted) for e in events):
        return None
    for i, event in enumerate(events):
        if _is_listen(event):
            return i + 1
    return None


def _replay(tracker: DialogueStateTracker, events: List[Event]) -> DialogueStateTracker:
    replayed = tracker.init_copy()
    for event in events:
        replayed.update(event)
    return replayed


def window(
    tracker: DialogueStateTracker, keep_turns: int, slack_turns: int = 0
) -> DialogueStateTracker:
    """The tracker bounded to its last ``keep_turns`` user turns (see module doc).

    Args:
        tracker: A tracker of the latest session (as the tracker store reads it).
        keep_turns: User turns kept as stored (at least 1).
        slack_turns: Leave the tracker as it is until it holds more than ``keep_turns +
            slack_turns`` user turns after its head.

    Returns:
        ``tracker`` itself when it is short enough or cannot be windowed, else a new tracker.
    """
    events = list(tracker.events)
    if tracker.active_loop_name:
        return tracker
    head = head_length(events)
    if head is None:
        return tracker
    starts = [i for i in turn_starts(events) if i >= head]
    if len(starts) <= keep_turns + slack_turns:
        return tracker
    cut = starts[-keep_turns]
    head_events = events[:head]
    at_head = _replay(tracker, head_events)
    at_cut = _replay(tracker, events[:cut])
    if at_cut.active_loop_name or at_cut.followup_action:
        return tracker
    timestamp = head_events[-1].timestamp
    metadata = {SYNTHETIC_KEY: True}
    bridge: List[Event] = []
    for name, slot in at_cut.slots.items():
        if at_head.slots[name].value != slot.value:
            bridge.append(SlotSet(name, slot.value, timestamp=timestamp, metadata=metadata))
    if at_cut.is_paused() and not at_head.is_paused():
        bridge.append(ConversationPaused(timestamp=timestamp, metadata=metadata))
    elif at_head.is_paused() and not at_cut.is_paused():
        bridge.append(ConversationResumed(timestamp=timestamp, metadata=metadata))
    # Before the head's action_listen, so that the kept turns still follow an action_listen.
    windowed = _replay(tracker, head_events[:-1] + bridge + head_events[-1:] + events[cut:])
    windowed.model_id = tracker.model_id
    windowed.assistant_id = tracker.assistant_id
    return windowed
