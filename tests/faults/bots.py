"""Bots of the fault tests: started with scripts/serve.sh and env overrides, on their own ports."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest

from bot.devtools.ports import free_ports

REPO = Path(__file__).resolve().parents[2]
SERVE = REPO / "scripts" / "serve.sh"
ALLOWED_ORIGIN = "https://help.example.com"
APOLOGY = "Sorry, part of the assistant is unavailable right now"
RULES_APOLOGY = "Sorry, I can't look up the province rules right now"


def port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def free_port() -> int:
    """A port nothing listens on now (other engineers' bots run on this machine too)."""
    return free_ports(1)[0]


@dataclass
class Bot:
    """A bot (action server + Rasa) started by scripts/serve.sh on its own ports."""

    rasa_port: int
    action_port: int
    workdir: Path
    env: Dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def actions_pidfile(self) -> Path:
        # serve.sh keeps one pid file per port in var/; a restarted action server registers
        # there too so that `serve.sh stop` still stops it.
        return REPO / "var" / f"actions-{self.action_port}.pid"

    def serve(self, mode: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(SERVE), mode], env=self.env, capture_output=True, text=True, timeout=420
        )

    def start(self) -> None:
        result = self.serve("start")
        if result.returncode != 0:
            self.serve("stop")
            pytest.fail(f"serve.sh start failed:\n{result.stdout}\n{result.stderr}")

    def stop(self) -> None:
        self.serve("stop")

    def restart(self) -> None:
        result = self.serve("start")  # stops, then starts both (same databases)
        assert result.returncode == 0, result.stderr

    def stop_actions(self) -> None:
        pid = int(self.actions_pidfile.read_text())
        os.kill(pid, signal.SIGTERM)
        wait_until(lambda: port_free(self.action_port), what="action server to stop")

    def start_actions(self) -> None:
        log = open(self.workdir / "actions-restarted.log", "ab")
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.server.action_server", "--port", str(self.action_port)],
            env=self.env,
            cwd=REPO,
            stdout=log,
            stderr=log,
        )
        self.actions_pidfile.write_text(str(proc.pid))
        wait_until(lambda: not port_free(self.action_port), what="action server to start")

    def say(self, sender: str, message: str) -> List[Dict[str, Any]]:
        status, body, _ = request(
            self.url + "/webhooks/rest/webhook", {"sender": sender, "message": message}
        )
        assert status == 200, body
        return body

    def health(self) -> Tuple[int, Dict[str, Any]]:
        status, body, _ = request(self.url + "/webhooks/health/")
        return status, body


def request(
    url: str,
    payload: Optional[Dict[str, Any]] = None,
    headers: Optional[Dict[str, str]] = None,
    method: Optional[str] = None,
) -> Tuple[int, Any, Dict[str, str]]:
    """An HTTP request; returns status, JSON body (or text) and headers, also for 4xx/5xx."""
    data = json.dumps(payload).encode() if payload is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:
            status, raw, resp_headers = resp.status, resp.read(), dict(resp.headers)
    except urllib.error.HTTPError as e:
        status, raw, resp_headers = e.code, e.read(), dict(e.headers)
    try:
        return status, json.loads(raw or b"null"), resp_headers
    except ValueError:
        return status, raw.decode(errors="replace"), resp_headers


def texts(messages: List[Dict[str, Any]]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def wait_until(condition, timeout: float = 60, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.5)


def make_bot(workdir: Path, **extra: str) -> Bot:
    """A bot on free ports with its tracker store and rules database under ``workdir``.

    Args:
        workdir: Directory for the SQLite databases (rules in ``workdir/rules/``).
        extra: Environment overrides, e.g. ``TRACKER_DB_URL``.
    """
    rasa_port, action_port = free_ports(2)
    return Bot(rasa_port, action_port, workdir, bot_env(workdir, rasa_port, action_port, **extra))


def bot_env(workdir: Path, rasa_port: int, action_port: int, **extra: str) -> Dict[str, str]:
    """Environment for serve.sh: every port and database of the bot under ``workdir``."""
    env = dict(os.environ)
    env.update(
        RASA_PORT=str(rasa_port),
        ACTION_SERVER_PORT=str(action_port),
        ACTION_ENDPOINT_URL=f"http://127.0.0.1:{action_port}/webhook",
        TRACKER_DB_URL=f"sqlite:///{workdir / 'tracker.db'}",
        RULES_DB_URL=f"sqlite:///{workdir / 'rules' / 'rules.db'}",
        LOCK_STORE_URL="",
        READY_TIMEOUT="300",
        PYTHONPATH=str(REPO),
    )
    for name in ("RASA_ENABLE_API", "RASA_AUTH_TOKEN", "CORS_ORIGINS", "HEALTH_FALLBACK_WINDOW"):
        env.pop(name, None)
    env.update(extra)
    (workdir / "rules").mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "bot.rules", "load"], env=env, cwd=REPO, check=True,
        capture_output=True,
    )
    return env
