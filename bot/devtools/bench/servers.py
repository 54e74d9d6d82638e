"""Starting bots the way `make run` does, and watching them.

A bot is started with the project's own ``scripts/serve.sh start`` (action server + ``rasa
run`` with credentials.yml and endpoints.yml), with env overrides for the ports and a private
SQLite tracker store. serve.sh always serves ``$ROOT/models/icp-assistant.tar.gz`` of the tree
it lives in, so each bot gets a *shadow root*: a temporary folder whose entries are symlinks to
the project (scripts, bot, actions, data, domain, credentials.yml, endpoints.yml, .venv...)
except ``models/`` (holding the model under test: a snapshot of ours, or the stock one) and
``var/`` (pid files, logs, a copy of the rules database). Nothing in the project tree is
touched, and a model retrained meanwhile by ``make train`` does not change what is measured.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional
from bot import settings

ROOT = settings.ROOT
# Entries of the project tree a shadow root does not link.
NOT_LINKED = {"models", "var", "results", ".git", ".rasa", ".pytest_cache", "node_modules"}


def make_shadow_root(
    base: Path, name: str, model: Path, files: Optional[Dict[str, str]] = None
) -> Path:
    """A folder that serve.sh sees as the project root, serving `model`.

    `files` replaces top-level files (e.g. a variant of endpoints.yml) by the given text.
    """
    files = files or {}
    shadow = base / name
    if shadow.exists():
        shutil.rmtree(shadow)
    (shadow / "models").mkdir(parents=True)
    (shadow / "var").mkdir()
    for entry in ROOT.iterdir():
        if entry.name in files:
            (shadow / entry.name).write_text(files[entry.name])
        elif entry.name not in NOT_LINKED:
            (shadow / entry.name).symlink_to(entry)
    shutil.copy2(model, shadow / "models" / "icp-assistant.tar.gz")
    rules = ROOT / "var" / "rules.db"
    if rules.exists():
        shutil.copy2(rules, shadow / "var" / "rules.db")
    return shadow


def plain_rasa_endpoints() -> str:
    """endpoints.yml as a team would write it for `rasa init`: Rasa's SQLTrackerStore, and the
    full domain sent with every action call (no ``enable_selective_domain``)."""
    import yaml

    config = yaml.safe_load((ROOT / "endpoints.yml").read_text())
    config.setdefault("action_endpoint", {}).pop("enable_selective_domain", None)
    config.setdefault("tracker_store", {})["type"] = "SQL"
    return yaml.safe_dump(config, sort_keys=False)


def proc_status(pid: int) -> Dict[str, int]:
    """VmRSS / VmHWM (bytes) of one process."""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    key, value = line.split(":", 1)
                    out[key] = int(value.split()[0]) * 1024
    except OSError:
        pass
    return out


def descendants(pid: int) -> List[int]:
    """Child processes, recursively (via /proc/<pid>/task/*/children)."""
    found: List[int] = []
    todo = [pid]
    while todo:
        current = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{current}/task/{task}/children") as f:
                    kids = [int(k) for k in f.read().split()]
            except OSError:
                continue
            found.extend(kids)
            todo.extend(kids)
    return found


def memory(pid: int) -> Dict[str, int]:
    """RSS and peak RSS (VmHWM) of a process plus its children, in bytes; also the largest
    peak of any one of them (``peak_rss_process``: with several Sanic workers, per process)."""
    rss = hwm = largest = 0
    for p in [pid, *descendants(pid)]:
        status = proc_status(p)
        rss += status.get("VmRSS", 0)
        hwm += status.get("VmHWM", 0)
        largest = max(largest, status.get("VmHWM", 0))
    return {"rss": rss, "peak_rss": hwm, "peak_rss_process": largest}


def post(url: str, sender: str, message: str, timeout: float = 10.0) -> Optional[list]:
    """One REST webhook call; the JSON reply, or None on any failure."""
    body = json.dumps({"sender": sender, "message": message}).encode()
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            if response.status != 200:
                return None
            return json.loads(response.read())
    except (OSError, ValueError, urllib.error.URLError):
        return None


def answered(reply: Optional[list]) -> bool:
    """A reply the user can see: at least one message with text, buttons or an image."""
    return bool(reply) and any(
        isinstance(m, dict) and (m.get("text") or m.get("buttons") or m.get("image"))
        for m in reply
    )


@dataclass
class Bot:
    """One bot (action server + Rasa) started by serve.sh from a shadow root."""

    name: str
    root: Path
    rasa_port: int
    action_port: int
    extra_env: Dict[str, str] = field(default_factory=dict)
    startup_seconds: Optional[float] = None
    rasa_pid: Optional[int] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/webhook"

    @property
    def tracker_db(self) -> Path:
        return self.root / "var" / "bench-tracker.db"

    def env(self) -> Dict[str, str]:
        env = settings.child_env()
        env.update(
            RASA_PORT=str(self.rasa_port),
            ACTION_SERVER_PORT=str(self.action_port),
            ACTION_ENDPOINT_URL=f"http://127.0.0.1:{self.action_port}/webhook",
            TRACKER_DB_URL=f"sqlite:///{self.tracker_db}",
            RULES_DB_URL=f"sqlite:///{self.root / 'var' / 'rules.db'}",
            READY_TIMEOUT="300",
        )
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = 300.0) -> float:
        """Starts the bot; returns seconds from start to the first successful REST reply.

        The clock starts right before ``serve.sh start`` is launched (so it includes the
        action server start and Python imports), and stops at the first answered probe
        (polled every 50 ms, independently of serve.sh's own 1 s readiness loop).
        """
        if self.tracker_db.exists():
            self.tracker_db.unlink()
        t0 = time.monotonic()
        proc = subprocess.Popen(
            [str(self.root / "scripts" / "serve.sh"), "start"],
            env=self.env(),
            cwd=self.root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        first = None
        while time.monotonic() - t0 < timeout:
            if answered(post(self.url, "bench-startup-probe", "hi", timeout=5)):
                first = time.monotonic()
                break
            if proc.poll() not in (None, 0):
                break
            time.sleep(0.05)
        try:
            _, err = proc.communicate(timeout=max(5.0, timeout - (time.monotonic() - t0)))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGTERM)
            _, err = proc.communicate()
        if first is None or proc.returncode != 0:
            self.stop()
            log = self.root / "var" / "log" / f"rasa-{self.rasa_port}.log"
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise RuntimeError(
                f"{self.name}: bot did not start ({(err or b'').decode(errors='replace')[-500:]})\n{tail}"
            )
        pidfile = self.root / "var" / f"rasa-{self.rasa_port}.pid"
        self.rasa_pid = int(pidfile.read_text().strip())
        self.startup_seconds = first - t0
        return self.startup_seconds

    def memory(self) -> Dict[str, int]:
        return memory(self.rasa_pid) if self.rasa_pid else {}

    def stop(self) -> None:
        subprocess.run(
            [str(self.root / "scripts" / "serve.sh"), "stop"],
            env=self.env(),
            cwd=self.root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
