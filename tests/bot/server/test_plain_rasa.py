"""Plain Rasa (``rasa run`` / ``rasa shell``, no launcher) gives the same answers as the launcher.

The trained model is loaded with Rasa's own ``Agent`` in one process and, in another, after
``bot.server.launch.prepare_serving`` (TensorFlow guard and every patch of the registry, as
``python -m bot.server.launch run`` does). Both hold the same conversations, in English and
Chinese, against one action server; every turn's intent, entities, actions run and replies must
be equal. Run as a script, this file is one of those processes.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, Dict, List

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
MODEL = ROOT / "models" / "icp-assistant.tar.gz"
HELDOUT = ROOT / "tests" / "devset"
#: Follow-ups that make the bot ask for and then use a province (custom actions, slots).
TAILORED = [
    "I'm in Guangdong, what about the app?",
    "how do I upload the authorization letter",
    "shanghai",
    "外国人怎么提交证件",
    "北京",
]
TURNS_PER_CONVERSATION = 5


def conversations() -> List[List[str]]:
    """The first held-out question of every intent in each language, and the follow-ups.

    Every intent (in-scope, small talk, out-of-scope, inform) is asked in both languages. A
    request for a human agent pauses its conversation (the bot stops answering by design), so
    those questions each end a conversation of their own.
    """
    questions: List[str] = []
    handoffs: List[List[str]] = []
    for language in ("en", "zh"):
        by_intent = yaml.safe_load((HELDOUT / f"{language}.yml").read_text(encoding="utf-8"))
        for intent, examples in by_intent.items():
            if intent == "human_handoff":
                handoffs.append([examples[0]])
            else:
                questions.append(examples[0])
    chunks = [
        questions[i : i + TURNS_PER_CONVERSATION]
        for i in range(0, len(questions), TURNS_PER_CONVERSATION)
    ]
    return chunks + handoffs + [TAILORED]


def converse(mode: str, model: str, action_url: str) -> List[Dict[str, Any]]:
    """Holds every conversation with the model; one record per turn."""
    if mode == "patched":
        import rasa

        from bot.server import launch, patches

        launch.prepare_serving(model, rasa.__version__)
        applied = patches.STATE.applied
        assert applied == [p.name for p in patches.REGISTRY], patches.summary()
        assert patches.STATE.tensorflow_guard
    import numpy as np
    from rasa.core.agent import Agent
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
    from rasa.utils.endpoints import EndpointConfig

    from bot.devtools.eval import quiet_rasa

    quiet_rasa()
    agent = Agent.load(model, action_endpoint=EndpointConfig(url=action_url))
    # Rasa picks among a response's variations with numpy's global generator; the patches
    # draw no random numbers, so the same seed gives both processes the same picks.
    np.random.seed(0)

    async def run() -> List[Dict[str, Any]]:
        records = []
        for number, turns in enumerate(conversations()):
            sender = f"equivalence-{number}"
            for text in turns:
                known = await agent.tracker_store.retrieve(sender)
                before = len(known.events) if known else 0
                messages = await agent.handle_text(text, sender_id=sender)
                tracker = await agent.tracker_store.retrieve(sender)
                events = list(tracker.events)[before:]
                user = [e for e in events if isinstance(e, UserUttered)][-1]
                records.append({
                    "text": text,
                    "intent": user.intent.get("name"),
                    "entities": sorted(
                        (e["entity"], str(e.get("value"))) for e in user.entities
                    ),
                    "actions": [e.action_name for e in events if isinstance(e, ActionExecuted)],
                    "responses": [
                        e.metadata.get("utter_action") for e in events if isinstance(e, BotUttered)
                    ],
                    "messages": [
                        {k: v for k, v in m.items() if k != "recipient_id"} for m in messages
                    ],
                })
        return records

    return asyncio.run(run())


# --- the test --------------------------------------------------------------------------------


def _wait_for(url: str, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"action server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"timed out waiting for {url}")


@pytest.mark.skipif(not MODEL.exists(), reason="needs the trained model (make train)")
def test_plain_rasa_and_launcher_give_the_same_answers(tmp_path: Path) -> None:
    from bot import settings
    from bot.rules.loader import DEFAULT_RULES_FILE, load
    from bot.stores.db import create_engine_for

    rules_url = f"sqlite:///{tmp_path / 'rules.db'}"
    engine = create_engine_for(rules_url)
    load(DEFAULT_RULES_FILE, engine)
    engine.dispose()
    with socket.socket() as s:  # a port nothing listens on now
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = settings.child_env(RULES_DB_URL=rules_url, PYTHONPATH=str(ROOT))
    log = open(tmp_path / "actions.log", "wb")
    actions = subprocess.Popen(
        [sys.executable, "-m", "bot.server.action_server", "--port", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=log,
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/health", actions)
        action_url = f"http://127.0.0.1:{port}/webhook"
        # Both at once: they are independent, and the two cores are shared.
        runs = {
            mode: subprocess.Popen(
                [sys.executable, __file__, mode, str(MODEL), action_url,
                 str(tmp_path / f"{mode}.json")],
                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )
            for mode in ("plain", "patched")
        }
        for mode, process in runs.items():
            _, err = process.communicate(timeout=600)
            assert process.returncode == 0, f"{mode}:\n{err[-3000:]}"
    finally:
        actions.terminate()
        actions.wait(timeout=30)
        log.close()

    plain = json.loads((tmp_path / "plain.json").read_text())
    patched = json.loads((tmp_path / "patched.json").read_text())
    assert len(plain) == sum(len(c) for c in conversations()) >= 30
    for stock, ours in zip(plain, patched):
        assert ours == stock, ours["text"]
    # The conversations exercise the whole bot, not one path: many intents, entities, both
    # languages answered, and custom actions answered by the action server.
    assert len({r["intent"] for r in plain}) >= 20
    assert any(r["entities"] for r in plain)
    custom = {a for r in plain for a in r["actions"] if a.startswith("action_")} - {
        "action_listen", "action_session_start", "action_default_fallback"
    }
    assert len(custom) >= 2, custom
    assert all(r["messages"] for r in plain), "every turn gets a reply"


def main(argv: List[str]) -> None:
    """``python test_plain_rasa.py plain|patched MODEL ACTION_URL OUT.json``."""
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=("plain", "patched"))
    parser.add_argument("model")
    parser.add_argument("action_url")
    parser.add_argument("out")
    args = parser.parse_args(argv)
    records = converse(args.mode, args.model, args.action_url)
    Path(args.out).write_text(json.dumps(records, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main(sys.argv[1:])
