"""bot.launch: the serving fixes behave exactly like the Rasa code they replace."""
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

from bot import launch

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
        "from bot import launch\n"
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
