"""bot.stores.history and the tracker store's in-memory events: a long conversation reads as
a bounded tracker with the same state, predictions and stored rows as the whole session."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, List

import pytest
import sqlalchemy as sa
import yaml
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot import settings
from bot.stores.history import SYNTHETIC_KEY, turn_starts, window
from bot.stores.tracker_store import STORED_ROWS_ATTRIBUTE, TunedSQLTrackerStore

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
intents: [greet, ask, inform]
entities: [province]
slots:
  province:
    type: text
    mappings: [{type: from_entity, entity: province}]
  asked:
    type: list
    influence_conversation: false
    mappings: [{type: custom}]
  pending_topic:
    type: categorical
    values: [documents, app]
    mappings: [{type: custom}]
responses:
  utter_greet: [{text: hi}]
"""
)
PROVINCES = ["beijing", "shanghai", None, "guangdong"]


def session_head(t: float) -> List[Event]:
    return [
        ActionExecuted("action_session_start", timestamp=t),
        SessionStarted(timestamp=t + 0.01),
        ActionExecuted("action_listen", timestamp=t + 0.02),
    ]


def one_turn(i: int, t: float) -> List[Event]:
    """A turn that changes some slot every few turns; a pause (handoff) in the middle."""
    events: List[Event] = [
        UserUttered(f"message {i}", {"name": ["greet", "ask", "inform"][i % 3], "confidence": 0.9},
                    timestamp=t, input_channel=f"channel-{i % 2}"),
        ActionExecuted("utter_greet", timestamp=t + 0.1),
        BotUttered(f"reply {i}", timestamp=t + 0.2),
    ]
    if i % 4 == 1:
        events.append(SlotSet("province", PROVINCES[i // 4 % 4], timestamp=t + 0.3))
    if i % 7 == 2:
        events.append(SlotSet("asked", [f"q{i}"], timestamp=t + 0.3))
    if i % 5 == 3:
        events.append(SlotSet("pending_topic", ["documents", "app", None][i % 3],
                              timestamp=t + 0.3))
    if i == 11:
        events.append(ConversationPaused(timestamp=t + 0.35))
    if i == 23:
        events.append(ConversationResumed(timestamp=t + 0.35))
    events.append(ActionExecuted("action_listen", timestamp=t + 0.4))
    return events


def long_events(turns: int, t0: float = 1000.0) -> List[Event]:
    events = session_head(t0)
    for i in range(turns):
        events += one_turn(i, t0 + 1 + i)
    return events


def tracker_of(events: List[Event], sender: str = "c") -> DialogueStateTracker:
    return DialogueStateTracker.from_events(sender, events, DOMAIN.slots)


def same_state(a: DialogueStateTracker, b: DialogueStateTracker, states: int) -> None:
    """What Rasa and our actions read of a tracker, and the last `states` policy states."""
    assert a.current_slot_values() == b.current_slot_values()
    assert a.latest_message == b.latest_message
    assert a.latest_action == b.latest_action
    assert a.latest_bot_utterance == b.latest_bot_utterance
    assert a.is_paused() == b.is_paused()
    assert a.followup_action == b.followup_action
    assert a.get_latest_input_channel() == b.get_latest_input_channel()
    tail_a = DOMAIN.states_for_tracker_history(a)[-states:]
    tail_b = DOMAIN.states_for_tracker_history(b)[-states:]
    assert tail_a == tail_b


@pytest.mark.parametrize("turns", [12, 13, 20, 30, 45])
def test_window_keeps_state_and_last_turns(turns: int) -> None:
    full = tracker_of(long_events(turns))
    short = window(full, keep_turns=3)
    assert short is not full
    starts = turn_starts(list(short.events))
    assert len(starts) == 3
    # The kept turns are the stored events themselves.
    assert list(short.events)[starts[0]:] == list(full.events)[-(len(short.events) - starts[0]):]
    synthetic = [e for e in short.events if (e.metadata or {}).get(SYNTHETIC_KEY)]
    assert all(isinstance(e, (SlotSet, ConversationPaused, ConversationResumed)) for e in synthetic)
    # 3 kept turns of 2 actions each: the states before each action, and the last one.
    same_state(short, full, states=3 * 2 + 1)
    # Every step of a growing conversation, windowed again and again, keeps the same state.
    events = long_events(turns)
    grown = window(tracker_of(events[:40]), 3)
    for event in events[40:]:
        grown.update(event)
        grown = window(grown, 3, slack_turns=2)
    same_state(grown, full, states=3 * 2 + 1)


def test_paused_state_crosses_the_window() -> None:
    full = tracker_of(long_events(18))  # paused at turn 11, still paused
    assert full.is_paused()
    short = window(full, keep_turns=2)
    assert short.is_paused()
    assert any(isinstance(e, ConversationPaused) for e in short.events)
    resumed = tracker_of(long_events(30))
    assert not window(resumed, 2).is_paused()


def test_short_restarted_or_looping_trackers_are_left_whole() -> None:
    short = tracker_of(long_events(4))
    assert window(short, keep_turns=3, slack_turns=2) is short
    restarted = tracker_of(long_events(10) + [Restarted(timestamp=5000.0)] + long_events(10, 6000.0)[3:])
    assert window(restarted, 3) is restarted
    looping = tracker_of(long_events(10))
    looping.change_loop_to("some_form")
    assert window(looping, 3) is looping


def test_rules_span_fewer_user_turns_than_the_default_window() -> None:
    """The window is only safe while rules look back less than it keeps (default 8 turns)."""
    longest = 0
    for path in sorted((settings.ROOT / "data" / "rules").glob("*.yml")):
        for rule in (yaml.safe_load(path.read_text()) or {}).get("rules", []):
            longest = max(longest, sum(1 for step in rule.get("steps", []) if "intent" in step))
    assert 1 <= longest < TunedSQLTrackerStore(DOMAIN, dialect="sqlite", db=":memory:").history_turns


# --- through the tracker store -----------------------------------------------------------------


def stored_rows(path: Path) -> List[tuple]:
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        out = connection.execute(sa.text(
            "SELECT sender_id, type_name, timestamp, intent_name, action_name, data "
            "FROM events ORDER BY id")).all()
    engine.dispose()
    return [tuple(r) for r in out]


async def converse(store: SQLTrackerStore, turns: int, sender: str = "c") -> List[Any]:
    """Turns as Rasa's processor makes them (read, append, save); what each read showed."""
    seen = []
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    for event in session_head(1000.0):
        tracker.update(event)
    await store.save(tracker)
    for i in range(turns):
        tracker = await store.retrieve(sender)
        seen.append((tracker.current_slot_values(), tracker.is_paused(),
                     tracker.latest_action_name, DOMAIN.states_for_tracker_history(tracker)[-4:]))
        for event in one_turn(i, 1001.0 + i):
            tracker.update(event)
        await store.save(tracker)
    return seen


@pytest.mark.asyncio
async def test_store_rows_and_reads_match_rasa_on_a_long_conversation(tmp_path: Path) -> None:
    ours = TunedSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "ours.db"),
                                history_turns=3)
    rasas = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "rasa.db"))
    assert await converse(ours, 40) == await converse(rasas, 40)
    # Every event stored once, none of the window's own.
    assert stored_rows(tmp_path / "ours.db") == stored_rows(tmp_path / "rasa.db")
    assert not any(SYNTHETIC_KEY in row[5] for row in stored_rows(tmp_path / "ours.db"))
    full = await ours.retrieve_full_tracker("c")
    assert list(full.events) == list((await rasas.retrieve_full_tracker("c")).events)
    latest = await ours.retrieve("c")
    assert len(turn_starts(list(latest.events))) <= 3 + 2
    assert getattr(latest, STORED_ROWS_ATTRIBUTE) == len(latest.events)


@pytest.mark.asyncio
async def test_another_process_writes_are_read(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    first, second = (TunedSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(path), history_turns=3)
                     for _ in range(2))
    await converse(first, 10)
    # The other worker takes two turns; the first one's memory is now behind.
    for i in (10, 11):
        tracker = await second.retrieve("c")
        for event in one_turn(i, 1001.0 + i):
            tracker.update(event)
        await second.save(tracker)
    reference = tracker_of(long_events(12))
    same_state(await first.retrieve("c"), reference, states=4)
    # Rows deleted behind its back (e.g. by an operator): read again from the table.
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        last_user = connection.execute(sa.text(
            "SELECT max(id) FROM events WHERE type_name = 'user'")).scalar()
        connection.execute(sa.text("DELETE FROM events WHERE id >= :i"), {"i": last_user})
    engine.dispose()
    same_state(await first.retrieve("c"), tracker_of(long_events(11)), states=4)
    # A new session written by the other worker: only the new session is read.
    tracker = await second.retrieve("c")
    for event in session_head(9000.0):
        tracker.update(event)
    await second.save(tracker)
    latest = await first.retrieve("c")
    assert [e for e in latest.events if isinstance(e, SessionStarted)] == [
        SessionStarted(timestamp=9000.01)
    ]


@pytest.mark.asyncio
async def test_memory_is_bounded_and_can_be_off(tmp_path: Path) -> None:
    store = TunedSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "t.db"),
                                 history_cache=2)
    for sender in "abc":
        await converse(store, 2, sender)
    assert list(store._cache) == ["b", "c"]
    off = TunedSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "t.db"),
                               history_turns=0, history_cache=0)
    whole = await off.retrieve("a")
    assert len(turn_starts(list(whole.events))) == 2 and not off._cache


# --- the trained model: same predictions with and without the window ---------------------------

MODEL = settings.ROOT / "models" / "icp-assistant.tar.gz"
QUESTIONS = [
    "what documents do i need to upload for icp filing", "i'm in beijing",
    "how do i get the domain certificate from alibaba cloud", "we're a business",
    "备案需要上传哪些材料", "jinan, shandong", "what do i need in shanghai", "thanks",
    "can i upload with the app", "上传失败怎么办", "asdf qwer", "i want to talk to a human",
]


@pytest.mark.skipif(not MODEL.exists(), reason="needs the trained model (make train)")
def test_trained_model_predicts_the_same_on_a_long_conversation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rasa.core.actions.action import RemoteAction
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    async def no_action_server(self, output_channel, nlg, tracker, domain):
        # The action server is not under test: a custom action answers with its own name.
        return [BotUttered(self.name(), timestamp=tracker.events[-1].timestamp + 0.001)]

    monkeypatch.setattr(RemoteAction, "run", no_action_server)

    def run(history_turns: int) -> Any:
        agent = Agent.load(str(MODEL))
        agent.tracker_store = TunedSQLTrackerStore(
            agent.domain, dialect="sqlite", db=str(tmp_path / f"h{history_turns}.db"),
            history_turns=history_turns,
        )
        agent.processor.tracker_store = agent.tracker_store
        out = []

        async def talk() -> None:
            for i in range(60):
                channel = CollectingOutputChannel()
                await agent.handle_message(
                    UserMessage(QUESTIONS[i % len(QUESTIONS)], channel, "long"))
                tracker = await agent.tracker_store.retrieve("long")
                out.append(([m.get("text") for m in channel.messages],
                            tracker.latest_action_name, tracker.current_slot_values()))

        asyncio.run(talk())
        full = asyncio.run(agent.tracker_store.retrieve_full_tracker("long"))
        out.append([(e.type_name, getattr(e, "action_name", None), getattr(e, "text", None))
                    for e in full.events])
        latest = asyncio.run(agent.tracker_store.retrieve("long"))
        return out, len(turn_starts(list(latest.events)))

    (windowed, kept), (whole, all_turns) = run(4), run(0)
    assert windowed == whole
    assert kept <= 4 + 2 and all_turns >= 60  # the window was really used
    assert len({tuple(texts) for texts, _, _ in whole[:-1]}) >= 6  # varied answers, not one path
