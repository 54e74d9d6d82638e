"""``make run`` (scripts/serve.sh run) restarts a process that dies, and Ctrl-C stops both."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Iterator

import pytest

from tests.faults.bots import APOLOGY, SERVE, Bot, make_bot, port_free, request, texts, wait_until

pytestmark = pytest.mark.faults

QUESTION = "can I use the app in Fujian?"
TAILORED = "available in Fujian"


def answer(bot: Bot, sender: str) -> str:
    status, body, _ = request(
        bot.url + "/webhooks/rest/webhook", {"sender": sender, "message": QUESTION}
    )
    assert status == 200 and body, body
    return texts(body)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def supervised(tmp_path: Path) -> Iterator[tuple]:
    """A bot under ``serve.sh run`` (foreground mode, as ``make run``), stopped after."""
    bot = make_bot(tmp_path)
    log = open(tmp_path / "serve.log", "w")
    process = subprocess.Popen(
        [str(SERVE), "run"], env=bot.env, stdout=log, stderr=subprocess.STDOUT,
        preexec_fn=_as_foreground,
    )
    try:
        yield bot, process, tmp_path / "serve.log"
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()
        shutil.rmtree(tmp_path, ignore_errors=True)


def test_a_killed_action_server_is_restarted_and_ctrl_c_stops_both(supervised) -> None:
    bot, process, log = supervised
    wait_until(lambda: _answers(bot), timeout=300, what="the bot to answer")
    assert TAILORED in answer(bot, "supervised-1")
    rasa_pid = int((bot.actions_pidfile.parent / f"rasa-{bot.rasa_port}.pid").read_text())
    actions_pid = int(bot.actions_pidfile.read_text())

    os.kill(actions_pid, signal.SIGKILL)  # a crash, not a clean stop
    wait_until(lambda: not alive(actions_pid), what="the action server to die")
    # Rasa keeps answering meanwhile: the general guidance, or the tailored answer once the
    # action server is back (it restarts after 1 s).
    reply = answer(bot, "supervised-2")
    assert APOLOGY in reply or TAILORED in reply
    wait_until(lambda: int(bot.actions_pidfile.read_text()) != actions_pid, what="a new pid")
    wait_until(lambda: TAILORED in answer(bot, "supervised-3"), timeout=120,
               what="tailored answers after the restart")
    assert alive(rasa_pid), "Rasa must not be stopped with the action server"
    assert "action server exited" in log.read_text()
    assert "restarting in 1s" in log.read_text()

    new_actions_pid = int(bot.actions_pidfile.read_text())
    process.send_signal(signal.SIGINT)  # Ctrl-C
    process.wait(60)
    assert not alive(rasa_pid) and not alive(new_actions_pid)
    assert port_free(bot.rasa_port) and port_free(bot.action_port)
    assert "Stopped." in log.read_text()


def _as_foreground() -> None:
    """Lets serve.sh receive Ctrl-C as it does in a terminal, however the tests were started.

    A test runner started in the background of a non-interactive shell (`make test &`, a CI
    harness) inherits SIGINT ignored, and bash cannot trap a signal ignored on entry: the
    Ctrl-C of this test would then never reach serve.sh.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _answers(bot: Bot) -> bool:
    try:
        status, body, _ = request(
            bot.url + "/webhooks/rest/webhook", {"sender": "probe", "message": "hi"}
        )
    except OSError:
        return False
    return status == 200 and bool(body)
