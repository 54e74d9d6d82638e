"""bot.server.launch: the serving fixes behave exactly like the Rasa code they replace."""
from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any, Dict, List

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

from bot.server import launch

ROOT = Path(__file__).resolve().parents[2]


def test_event_lookup_matches_rasa_for_every_type_name(monkeypatch: pytest.MonkeyPatch) -> None:
    original = Event.resolve_by_type
    names = {cls.type_name for cls in all_subclasses(Event)}
    expected = {name: original(name) for name in names}
    monkeypatch.setattr(Event, "resolve_by_type", Event.__dict__["resolve_by_type"])
    launch.patch_event_type_lookup()
    assert {name: Event.resolve_by_type(name) for name in names} == expected
    # The original's fallbacks for names no class has.
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("no_such_event", default=Event) is Event
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no_such_event")


def test_event_lookup_finds_classes_defined_later(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Event, "resolve_by_type", Event.__dict__["resolve_by_type"])
    launch.patch_event_type_lookup()
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
    launch.patch_action_validation()
    assert verdict() == stock


def _model(tmp_path: Path, uses: List[str]) -> str:
    metadata = {"predict_schema": {"nodes": {f"n{i}": {"uses": u} for i, u in enumerate(uses)}}}
    path = tmp_path / "model.tar.gz"
    data = json.dumps(metadata).encode()
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo("metadata.json")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return str(path)


def test_tf_free_models(tmp_path: Path) -> None:
    ours = ["bot.nlu.classifier.TfidfLogisticRegressionClassifier",
            "rasa.core.policies.rule_policy.RulePolicy",
            "rasa.nlu.classifiers.fallback_classifier.FallbackClassifier"]
    assert launch.model_is_tf_free(_model(tmp_path, ours))
    assert not launch.model_is_tf_free(
        _model(tmp_path, ours + ["rasa.nlu.classifiers.diet_classifier.DIETClassifier"])
    )
    assert not launch.model_is_tf_free(str(tmp_path / "missing.tar.gz"))


def test_model_arguments() -> None:
    assert launch._model_argument(["run", "--model", "m.tar.gz"]) == "m.tar.gz"
    assert launch._model_argument(["run", "--model=m.tar.gz"]) == "m.tar.gz"
    assert launch._model_argument(["run"]) is None


def _run(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip()


def test_guard_keeps_tensorflow_out_until_something_imports_it() -> None:
    out = _run(
        "import sys\n"
        "from bot.server import launch\n"
        "guard = launch.install()\n"
        "import rasa.core.agent, rasa.core.policies.rule_policy, rasa.utils.train_utils as t\n"
        "print('tf' if 'tensorflow' in sys.modules else 'no-tf')\n"
        "try:\n"
        "    t.RasaTrainingLogger()\n"
        "except RuntimeError as e:\n"
        "    print('placeholder refused')\n"
        "import tensorflow\n"
        "import rasa.utils.train_utils as t2\n"
        "print(t2.RasaTrainingLogger.__module__, guard.tf_imported_by_then)\n"
    )
    assert out.splitlines() == [
        "no-tf", "placeholder refused", "rasa.utils.tensorflow.callback True"
    ]


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
        launch.patch_graph_runner()
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
    launch.patch_graph_runner()
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
    launch.patch_domain_is_empty()
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
    launch.patch_turn_gate()
    launch.patch_turn_gate()  # idempotent: one gate, not two nested ones

    async def main() -> List[Any]:
        return await asyncio.gather(*(Agent.handle_message(None, i) for i in range(8)))

    assert asyncio.run(main()) == list(range(8))
    assert peak == 2
