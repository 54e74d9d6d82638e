"""bot.server.launch: the TensorFlow guard, the command line and what ``run`` prepares."""
from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import List

import pytest

from bot.server import launch, patches

ROOT = Path(__file__).resolve().parents[3]


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




def test_other_rasa_version_gets_neither_guard_nor_patches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(patches, "STATE", patches.PatchState())
    model = _model(tmp_path, ["rasa.core.policies.rule_policy.RulePolicy"])
    assert launch.model_is_tf_free(model)
    caplog.set_level(logging.INFO)

    results = launch.prepare_serving(model, "3.7.0")

    assert not any(isinstance(f, launch.TensorFlowGuard) for f in sys.meta_path)
    assert [r.applied for r in results] == [False] * len(patches.REGISTRY)
    assert "TensorFlow guard off: written for Rasa 3.6.21, not 3.7.0" in caplog.text
    # The one startup line.
    lines = [r.getMessage() for r in caplog.records if "patches applied" in r.getMessage()]
    assert len(lines) == 1
    assert lines[0].startswith("Rasa 3.7.0 patches applied: none; off: action_validation")
    assert lines[0].endswith("turn gate: off; TensorFlow guard: off")


def test_run_prepares_the_guard_and_patches_and_logs_one_line(tmp_path: Path) -> None:
    model = _model(tmp_path, ["rasa.core.policies.rule_policy.RulePolicy"])
    out = _run(
        "import json, logging, sys\n"
        "from bot.server import launch, patches\n"
        "logging.basicConfig(level=logging.INFO, stream=sys.stdout, format='LOG %(message)s')\n"
        f"launch.prepare_serving({model!r}, '3.6.21')\n"
        "import rasa.core.agent\n"
        "print('tf' if 'tensorflow' in sys.modules else 'no-tf')\n"
        "print(json.dumps(patches.health_report()))\n"
    )
    lines = out.splitlines()
    assert lines[0] == (
        "LOG Rasa 3.6.21 patches applied: action_validation, event_type_lookup, graph_runner, "
        "domain_is_empty, turn_gate; off: none; turn gate: on; TensorFlow guard: on"
    )
    assert lines[1] == "no-tf"
    assert json.loads(lines[2]) == {
        "patches": [p.name for p in patches.REGISTRY],
        "turn_gate": "on",
        "tensorflow_guard": "on",
    }
