"""`rasa train` from scratch, timed: our config and the stock `rasa init` config.

Both train on the same inputs (domain/, data/nlu, data/rules), each with a clean, private
training cache (``RASA_CACHE_DIRECTORY``) so nothing is reused from an earlier run. Wall time
is measured from process start to exit (imports included, as a developer experiences `make
train`); peak RSS comes from the child's rusage.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Dict, List, Optional
from bot import settings

ROOT = settings.ROOT
RASA = ROOT / ".venv" / "bin" / "rasa"


def stock_config_source() -> Path:
    """config.yml that `rasa init` writes (rasa/cli/initial_project/config.yml)."""
    import importlib.util

    spec = importlib.util.find_spec("rasa")  # locates the package without importing it
    return Path(spec.submodule_search_locations[0]) / "cli" / "initial_project" / "config.yml"


@dataclass
class TrainResult:
    name: str
    model: Optional[str]
    seconds: float
    peak_rss: int
    returncode: int
    log: str


def _run(
    name: str, cmd: List[str], cwd: Path, cache: Path, log: Path, model: Path, timeout: float
) -> TrainResult:
    """Runs one training; a run past `timeout` is killed (returncode -9)."""
    if cache.exists():
        shutil.rmtree(cache)
    env = settings.child_env()
    env.update(
        RASA_CACHE_DIRECTORY=str(cache),
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL=env.get("TF_CPP_MIN_LOG_LEVEL", "2"),
        PYTHONPATH=str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""),
    )
    with open(log, "wb") as out:
        t = time.monotonic()
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - t > timeout:
                # TensorFlow's generator dataset can deadlock (seen once on 2 busy cores).
                os.killpg(proc.pid, 9)
                _, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.2)
        seconds = time.monotonic() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    return TrainResult(
        name=name,
        model=str(model) if proc.returncode == 0 and model.exists() else None,
        seconds=round(seconds, 2),
        peak_rss=usage.ru_maxrss * 1024,
        returncode=proc.returncode,
        log=str(log),
    )


def train_project(work: Path, timeout: float = 600) -> TrainResult:
    """Our config exactly as scripts/train.sh runs it (cwd = project root)."""
    out = work / "train-project"
    out.mkdir(parents=True, exist_ok=True)
    cmd = [
        str(RASA), "train", "--config", "config.yml", "--domain", "domain",
        "--data", "data/nlu", "data/rules", "--out", str(out),
        "--fixed-model-name", "project", "--force", "--quiet",
    ]
    return _run("project", cmd, ROOT, work / "cache-project", work / "train-project.log",
                out / "project.tar.gz", timeout)


def default_config_source() -> Path:
    """The pipeline/policies Rasa fills into an empty `rasa init` config."""
    return stock_config_source().parents[2] / "engine" / "recipes" / "config_files" / "default_config.yml"


def stock_config_text(epochs: Optional[int] = None, seed: Optional[int] = None) -> str:
    """The `rasa init` config; with `epochs` or `seed`, Rasa's default config (what the empty
    `rasa init` pipeline and policies become) with that epoch count and a fixed `random_seed`
    for each trained network (DIET, ResponseSelector, TED, UnexpecTED: the components with
    `epochs`), so that two trainings on the same data give the same model as far as
    TensorFlow's threading allows."""
    if epochs is None and seed is None:
        return stock_config_source().read_text()
    text = default_config_source().read_text()
    replacement = f"epochs: {epochs or 100}"
    if seed is not None:
        lines = []
        for line in text.splitlines():
            lines.append(line.replace("epochs: 100", replacement))
            if "epochs: 100" in line:
                indent = line[: len(line) - len(line.lstrip())]
                lines.append(f"{indent}random_seed: {seed}")
        return "\n".join(lines) + "\n"
    return text.replace("epochs: 100", replacement)


def train_stock(
    work: Path, timeout: float = 3 * 3600, epochs: Optional[int] = None, seed: Optional[int] = None,
    name: str = "stock",
) -> TrainResult:
    """The `rasa init` config.yml (language en, default pipeline and policies), as is.

    `epochs` (not stock!) trains the same pipeline and policies with fewer epochs: the same
    networks, so serving cost is the same, but accuracy is only a lower bound of the stock one.
    """
    folder = work / f"train-{name}"
    folder.mkdir(parents=True, exist_ok=True)
    # rasa train rewrites an empty pipeline into the config file: work on a copy.
    (folder / "config.yml").write_text(stock_config_text(epochs, seed))
    cmd = [
        str(RASA), "train", "--config", "config.yml", "--domain", str(ROOT / "domain"),
        "--data", str(ROOT / "data" / "nlu"), str(ROOT / "data" / "rules"),
        "--out", str(folder), "--fixed-model-name", "stock", "--quiet",
    ]
    return _run(name, cmd, folder, work / f"cache-{name}", work / f"train-{name}.log",
                folder / "stock.tar.gz", timeout)


def inputs_fingerprint(epochs: Optional[int] = None, seed: Optional[int] = None) -> str:
    """Hash of what the stock model is trained from (to reuse a cached one knowingly)."""
    h = hashlib.sha256()
    h.update(stock_config_text(epochs, seed).encode())
    from importlib.metadata import version

    h.update(version("rasa").encode())
    for folder in ("domain", "data/nlu", "data/rules"):
        for path in sorted((ROOT / folder).rglob("*.yml")):
            h.update(str(path.relative_to(ROOT)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def as_dict(result: TrainResult) -> Dict:
    return asdict(result)
