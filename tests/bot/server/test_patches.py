"""bot.server.patches: each patch behaves exactly like the Rasa code it replaces, and the
registry applies them only where they were written for."""
from __future__ import annotations

from types import SimpleNamespace

import dataclasses
import logging
import re
from pathlib import Path
from typing import Any, Dict, List

import pytest
import rasa
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

from bot.server import patches

ROOT = Path(__file__).resolve().parents[3]


def test_event_lookup_matches_rasa_for_every_type_name(monkeypatch: pytest.MonkeyPatch) -> None:
    original = Event.resolve_by_type
    names = {cls.type_name for cls in all_subclasses(Event)}
    expected = {name: original(name) for name in names}
    monkeypatch.setattr(Event, "resolve_by_type", Event.__dict__["resolve_by_type"])
    patches.patch_event_type_lookup()
    assert {name: Event.resolve_by_type(name) for name in names} == expected
    # The original's fallbacks for names no class has.
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("no_such_event", default=Event) is Event
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no_such_event")


def test_event_lookup_finds_classes_defined_later(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Event, "resolve_by_type", Event.__dict__["resolve_by_type"])
    patches.patch_event_type_lookup()
    Event.resolve_by_type("user")  # fills the table

    class LateEvent(Event):  # noqa: D401 - test event
        type_name = "icp_late_event"

        def __eq__(self, other: Any) -> bool:
            return isinstance(other, LateEvent)

        def as_story_string(self) -> None:
            return None

    assert Event.resolve_by_type("icp_late_event") is LateEvent


RESPONSES: List[Dict[str, Any]] = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "province", "value": "beijing"}],
     "responses": [{"text": "hi", "buttons": [{"title": "a", "payload": "/b"}]}]},
    {"events": [{"event": "slot", "value": "beijing"}], "responses": []},  # no slot name
    {"events": "not a list"},
    {"events": [{"event": "bot", "text": 5}], "responses": [{"text": None}]},
]


@pytest.mark.parametrize("response", RESPONSES)
def test_action_validation_same_verdict_and_message(
    response: Dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def verdict() -> str:
        try:
            RemoteAction._validate_action_result(RemoteAction, response)
        except ValidationError as error:
            return error.message
        return "valid"

    stock = verdict()
    monkeypatch.setattr(RemoteAction, "_validate_action_result",
                        RemoteAction.__dict__["_validate_action_result"])
    patches.patch_action_validation()
    assert verdict() == stock


MODEL = ROOT / "models" / "icp-assistant.tar.gz"
QUESTIONS = [
    "how do I upload the authorization letter",
    "I'm in Guangdong, what about the app?",
    "备案需要上传哪些材料",
    "our order was rejected, can I re-upload?",
    "hello",
    "what's the weather like",
    "shanghai",
    "外国人怎么提交证件",
]


@pytest.mark.skipif(not MODEL.exists(), reason="needs the trained model (make train)")
def test_planned_graph_runner_gives_dasks_results(monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    from rasa.core.agent import Agent
    from rasa.engine.runner.dask import DaskGraphRunner

    agent = Agent.load(str(MODEL))

    async def outcomes(prefix: str) -> List[Any]:
        out = []
        for i, text in enumerate(QUESTIONS):
            parsed = await agent.parse_message(text)
            sender = f"{prefix}-{i}"
            from rasa.core.channels.channel import UserMessage

            await agent.processor.log_message(UserMessage(text, sender_id=sender))
            prediction = await agent.processor.predict_next_for_sender_id(sender)
            out.append((parsed, prediction["scores"], prediction["policy"],
                        prediction["confidence"]))
        return out

    loop = asyncio.new_event_loop()
    try:
        stock = loop.run_until_complete(outcomes("stock"))
        monkeypatch.setattr(DaskGraphRunner, "run", DaskGraphRunner.run)
        patches.patch_graph_runner()
        planned = loop.run_until_complete(outcomes("planned"))
    finally:
        loop.close()
    assert planned == stock
    # The questions exercise several intents, entities and fallback, not one path.
    assert len({p[0]["intent"]["name"] for p in stock}) >= 5
    assert any(p[0]["entities"] for p in stock)


def test_planned_graph_runner_refuses_inputs_named_like_nodes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from rasa.engine.exceptions import GraphRunError
    from rasa.engine.graph import GraphSchema
    from rasa.engine.runner.dask import DaskGraphRunner

    monkeypatch.setattr(DaskGraphRunner, "run", DaskGraphRunner.run)
    patches.patch_graph_runner()
    runner = DaskGraphRunner.__new__(DaskGraphRunner)
    runner._graph_schema = GraphSchema({})
    runner._instantiated_nodes = {}
    assert runner.run({"__x__": 1}, ["__x__"]) == {"__x__": 1}
    runner._icp_plans = {("n",): ([], {"n"})}
    with pytest.raises(GraphRunError, match="clashes"):
        runner.run({"__x__": "n"}, ["n"])


def test_domain_is_empty_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    from rasa.shared.core.domain import Domain

    monkeypatch.setattr(Domain, "is_empty", Domain.is_empty)
    patches.patch_domain_is_empty()
    assert Domain.empty().is_empty()
    assert not Domain.from_yaml("intents: [greet]").is_empty()


def test_every_turn_passes_the_turn_gate(monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    from rasa.core.agent import Agent

    from bot.server.gate import LIMIT_ENV

    in_flight = peak = 0

    async def handle_message(self, message):
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        return message

    monkeypatch.setattr(Agent, "handle_message", handle_message)
    monkeypatch.setenv(LIMIT_ENV, "2")
    patches.patch_turn_gate()
    patches.patch_turn_gate()  # idempotent: one gate, not two nested ones

    messages = [SimpleNamespace(sender_id=f"user-{i}") for i in range(8)]

    async def main() -> List[Any]:
        return await asyncio.gather(*(Agent.handle_message(None, m) for m in messages))

    assert asyncio.run(main()) == messages
    assert peak == 2

    # One sender's turns run one at a time, whatever the limit.
    peak = 0
    same = [SimpleNamespace(sender_id="one") for _ in range(4)]

    async def one_sender() -> List[Any]:
        turns = asyncio.gather(*(Agent.handle_message(None, m) for m in same))
        return await asyncio.wait_for(turns, 5)

    assert asyncio.run(one_sender()) == same
    assert peak == 1


# --- the registry ----------------------------------------------------------------------------


@pytest.fixture
def state(monkeypatch: pytest.MonkeyPatch) -> patches.PatchState:
    """A fresh process state for ``apply_all`` to record into (the real one is left alone)."""
    fresh = patches.PatchState()
    monkeypatch.setattr(patches, "STATE", fresh)
    return fresh


@pytest.fixture
def stock_rasa(monkeypatch: pytest.MonkeyPatch) -> Dict[str, Any]:
    """Rasa's attributes as they are now, put back after the test whatever it patches."""
    before = {}
    for patch in patches.REGISTRY:
        owner, attribute = patches.resolve(patch.replaces)
        value = owner.__dict__[attribute]  # raw (a staticmethod stays a staticmethod)
        monkeypatch.setattr(owner, attribute, value)
        before[patch.name] = value
    return before


def current(stock: Dict[str, Any]) -> Dict[str, Any]:
    out = {}
    for patch in patches.REGISTRY:
        owner, attribute = patches.resolve(patch.replaces)
        out[patch.name] = owner.__dict__[attribute]
    return out


def test_every_entry_is_complete() -> None:
    names = [p.name for p in patches.REGISTRY]
    assert len(names) == len(set(names)) == 5
    for patch in patches.REGISTRY:
        assert re.fullmatch(r"[a-z_]+", patch.name)
        assert patch.replaces.startswith("rasa.") and patch.why.strip() and patch.gain.strip()
        assert patch.rasa_versions and callable(patch.apply)
        # What it replaces exists in the Rasa installed here, the version it was written for.
        owner, attribute = patches.resolve(patch.replaces)
        assert callable(getattr(owner, attribute))
        assert rasa.__version__ in patch.rasa_versions
    with pytest.raises(dataclasses.FrozenInstanceError):
        patches.REGISTRY[0].name = "other"  # type: ignore[misc]


def test_benchmarks_doc_shows_the_registry() -> None:
    doc = (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    assert patches.markdown_table() in doc


def test_applies_every_patch_once(
    stock_rasa: Dict[str, Any], state: patches.PatchState
) -> None:
    results = patches.apply_all(rasa.__version__)
    assert results == [(p.name, True, "applied") for p in patches.REGISTRY]
    patched = current(stock_rasa)
    assert all(patched[name] is not stock_rasa[name] for name in patched)
    assert state.applied == [p.name for p in patches.REGISTRY] and state.turn_gate

    again = patches.apply_all(rasa.__version__)
    assert {r.reason for r in again} == {"already applied"}
    assert current(stock_rasa) == patched, "applying twice must not wrap a patch in itself"

    line = patches.summary()
    assert "patches applied: action_validation, event_type_lookup" in line
    assert "off: none" in line and "turn gate: on" in line
    assert patches.health_report() == {
        "patches": [p.name for p in patches.REGISTRY],
        "turn_gate": "on",
        "tensorflow_guard": "off",
    }


def test_other_rasa_version_patches_nothing(
    stock_rasa: Dict[str, Any], state: patches.PatchState, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=patches.__name__)
    results = patches.apply_all("3.7.0")
    assert [r.applied for r in results] == [False] * len(patches.REGISTRY)
    assert all("not 3.7.0" in r.reason for r in results)
    assert current(stock_rasa) == stock_rasa, "Rasa's own code must serve"
    for patch in patches.REGISTRY:
        assert f"Rasa patch {patch.name} is off" in caplog.text
    assert state.applied == [] and not state.turn_gate
    assert "patches applied: none" in patches.summary()
    assert "turn gate: off" in patches.summary()
    assert patches.health_report()["turn_gate"] == "off"


def test_a_patch_whose_attribute_is_gone_is_skipped(
    stock_rasa: Dict[str, Any], state: patches.PatchState, caplog: pytest.LogCaptureFixture
) -> None:
    called: List[str] = []
    gone = patches.Patch(
        name="gone",
        replaces="rasa.core.agent.Agent.no_such_method",
        why="test",
        gain="test",
        rasa_versions=(rasa.__version__,),
        apply=lambda: called.append("gone"),
    )
    no_module = dataclasses.replace(gone, name="no_module", replaces="rasa.no_such_module.X.y")
    domain = next(p for p in patches.REGISTRY if p.name == "domain_is_empty")
    caplog.set_level(logging.WARNING, logger=patches.__name__)

    results = patches.apply_all(rasa.__version__, registry=(gone, no_module, domain))

    assert [(r.name, r.applied) for r in results] == [
        ("gone", False), ("no_module", False), ("domain_is_empty", True)
    ]
    assert "rasa.core.agent.Agent.no_such_method not found" in results[0].reason
    assert called == []
    assert "Rasa patch gone is off" in caplog.text
    assert state.applied == ["domain_is_empty"]


def test_a_patch_that_fails_leaves_rasas_code(
    stock_rasa: Dict[str, Any], state: patches.PatchState
) -> None:
    def broken() -> None:
        raise KeyError("a Rasa internal moved")

    graph = next(p for p in patches.REGISTRY if p.name == "graph_runner")
    results = patches.apply_all(
        rasa.__version__, registry=(dataclasses.replace(graph, apply=broken),)
    )
    assert results[0].applied is False and results[0].reason.startswith("failed: KeyError")
    assert current(stock_rasa) == stock_rasa


def test_patches_left_off_on_purpose(
    stock_rasa: Dict[str, Any], state: patches.PatchState
) -> None:
    results = patches.apply_all(
        rasa.__version__, off={"action_validation": "BOT_STOCK_ACTION_VALIDATION=1"}
    )
    assert results[0] == ("action_validation", False, "BOT_STOCK_ACTION_VALIDATION=1")
    assert current(stock_rasa)["action_validation"] is stock_rasa["action_validation"]
    assert all(r.applied for r in results[1:])
    assert "action_validation (BOT_STOCK_ACTION_VALIDATION=1)" in patches.summary()


def test_a_process_that_never_applied_them_reports_none() -> None:
    # Plain `rasa run`: nothing calls apply_all.
    assert patches.health_report(patches.PatchState()) == {
        "patches": [], "turn_gate": "off", "tensorflow_guard": "off"
    }
