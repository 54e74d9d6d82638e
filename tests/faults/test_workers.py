"""Rasa with two Sanic workers and the SQLite lock store (SANIC_WORKERS=2).

One bot, started by scripts/serve.sh with ``SANIC_WORKERS=2`` and
``LOCK_STORE_URL=sqlite:///<workdir>/locks.db`` (``bot.stores.lock_sqlite.SQLiteLockStore``).
The tests check that

1. Rasa really forks two workers and both answer requests: the worker that accepted a
   connection is found from outside by the inode of the server-side socket (``/proc/net/tcp``
   and the workers' ``/proc/<pid>/fd``), and both workers' CPU time grows during a burst;
2. the conversation lock holds across the workers: 20 concurrent messages of one conversation,
   spread over both workers, are all answered and stored exactly once, one whole turn after
   the other (checked in the SQLite tracker store's ``events`` table);
3. several conversations at once are all answered, each stored in the order it was sent.
"""
from __future__ import annotations

import asyncio
import http.client
import json
import os
import random
import shutil
import sqlite3
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import aiohttp
import pytest
import yaml

from tests.faults.bots import APOLOGY, REPO, Bot, make_bot, texts, wait_until

pytestmark = pytest.mark.faults

WORKERS = 2
WEBHOOK = "/webhooks/rest/webhook"
TIMEOUT = 180  # seconds per request: two busy cores, other bots running on this machine

DEVSET = yaml.safe_load((REPO / "tests" / "devset" / "en.yml").read_text(encoding="utf-8"))


def devset(intents: List[str], per_intent: int) -> List[str]:
    """The first ``per_intent`` development-set (never trained on) questions of each intent."""
    return [q for intent in intents for q in DEVSET[intent][:per_intent]]


# Realistic English questions: a greeting, a province, FAQ and tailored questions.
ONE_CONVERSATION = [
    "hello",
    "how do I upload the app",
    "beijing",
    *devset(
        [
            "faq_documents",
            "faq_authenticity_statement",
            "faq_domain_certificate",
            "foreign_credentials",
            "faq_image_requirements",
            "faq_cannot_upload",
            "app_upload_availability",
            "face_verification_tips",
            "multi_domain",
        ],
        per_intent=2,
    ),
][:20]
BURST = devset(
    ["faq_documents", "faq_domain_certificate", "app_upload_howto", "multi_domain",
     "authorization_letter", "rejected_reupload", "faq_image_requirements", "capabilities"],
    per_intent=5,
)[:40]
CONVERSATIONS = 8
TURNS = [
    ["hi", "shanghai", *devset(["faq_documents", "faq_authenticity_statement", "thanks"], 1)],
    ["hello", *devset(["app_upload_howto", "app_upload_scope", "faq_cannot_upload"], 1), "thanks"],
    ["good morning", "we are a company in guangdong", *devset(["faq_domain_certificate",
                                                                 "authorization_letter"], 1),
     "bye"],
    ["hey", *devset(["foreign_credentials", "face_verification_tips", "multi_domain",
                      "rejected_reupload"], 1)],
]


def conversation_turns(i: int) -> List[str]:
    return TURNS[i % len(TURNS)]


# --- processes -------------------------------------------------------------------------------


def rasa_pid(bot: Bot) -> int:
    return int((REPO / "var" / f"rasa-{bot.rasa_port}.pid").read_text())


def children(pid: int) -> List[int]:
    found: List[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            pass
    return sorted(found)


def worker_pids(bot: Bot) -> List[int]:
    return children(rasa_pid(bot))


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def cpu_ticks(pid: int) -> int:
    """utime + stime of a process, in clock ticks."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
    return int(fields[11]) + int(fields[12])  # fields 14 and 15 of proc(5)


def socket_inode(local_port: int, remote_port: int) -> Optional[str]:
    """Inode of the TCP socket 127.0.0.1:local_port <-> 127.0.0.1:remote_port."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, remote, inode = fields[1], fields[2], fields[9]
            if int(local.rsplit(":", 1)[1], 16) == local_port and int(
                remote.rsplit(":", 1)[1], 16
            ) == remote_port:
                return inode
    return None


def owner_of_socket(inode: str, pids: List[int]) -> Optional[int]:
    target = f"socket:[{inode}]"
    for pid in pids:
        fd_dir = Path(f"/proc/{pid}/fd")
        try:
            for fd in fd_dir.iterdir():
                try:
                    if os.readlink(fd) == target:
                        return pid
                except OSError:
                    continue
        except OSError:
            continue
    return None


def ask_and_find_worker(bot: Bot, workers: List[int], sender: str, message: str) -> Tuple[int, Any]:
    """Sends one message on a fresh connection; returns (worker pid that served it, reply).

    The server keeps the connection open after the reply (keep-alive), so the accepted socket
    is still in the serving worker's file descriptors when we look.
    """
    conn = http.client.HTTPConnection("127.0.0.1", bot.rasa_port, timeout=TIMEOUT)
    try:
        conn.request(
            "POST",
            WEBHOOK,
            body=json.dumps({"sender": sender, "message": message}),
            headers={"Content-Type": "application/json"},
        )
        response = conn.getresponse()
        body = json.loads(response.read())
        assert response.status == 200, body
        client_port = conn.sock.getsockname()[1]
        inode = socket_inode(bot.rasa_port, client_port)
        pid = owner_of_socket(inode, workers) if inode else None
        return pid, body
    finally:
        conn.close()


# --- tracker store ---------------------------------------------------------------------------


def stored_events(bot: Bot, sender: str) -> List[Dict[str, Any]]:
    """The sender's events in the bot's SQLite tracker store, in insertion order."""
    path = bot.env["TRACKER_DB_URL"][len("sqlite:///") :]
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        rows = db.execute(
            "SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id", (sender,)
        ).fetchall()
    finally:
        db.close()
    return [dict(json.loads(data), event=type_name) for type_name, data in rows]


def user_texts(events: List[Dict[str, Any]]) -> List[str]:
    return [e["text"] for e in events if e["event"] == "user"]


def assert_turns_do_not_overlap(events: List[Dict[str, Any]]) -> None:
    """Every user event is followed by its turn's action_listen before the next user event,
    and the next turn started (its user event was created) only after that action_listen.

    Without the lock, two workers would read the same tracker and both append their whole
    turn: the rows could still look sequential, but the second turn's user event would be
    older than the first turn's closing action_listen.
    """
    open_turn: Optional[Dict[str, Any]] = None  # user event of the turn not yet closed
    last_listen: Optional[Dict[str, Any]] = None
    for event in events:
        if event["event"] == "user":
            assert open_turn is None, (
                f"user event {event['text']!r} stored before the turn of "
                f"{open_turn['text']!r} ended with action_listen"
            )
            if last_listen is not None:
                assert event["timestamp"] >= last_listen["timestamp"], (
                    f"turn {event['text']!r} started before the previous turn ended"
                )
            open_turn = event
        elif event["event"] == "action" and event.get("name") == "action_listen":
            open_turn = None
            last_listen = event
    assert open_turn is None, f"turn of {open_turn['text']!r} never ended with action_listen"


# --- concurrent clients ----------------------------------------------------------------------


async def _say_all(bot: Bot, messages: List[Tuple[str, str]]) -> List[List[Dict[str, Any]]]:
    """Sends every (sender, message) at once, each on its own connection."""
    connector = aiohttp.TCPConnector(force_close=True, limit=0)
    timeout = aiohttp.ClientTimeout(total=TIMEOUT)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def say(sender: str, message: str) -> List[Dict[str, Any]]:
            async with session.post(
                bot.url + WEBHOOK, json={"sender": sender, "message": message}
            ) as response:
                body = await response.json()
                assert response.status == 200, body
                return body

        return await asyncio.gather(*(say(s, m) for s, m in messages))


async def _conversations(
    bot: Bot, conversations: Dict[str, List[str]]
) -> Dict[str, List[List[Dict[str, Any]]]]:
    """Runs the conversations at once; each one sends its next message after the reply."""
    connector = aiohttp.TCPConnector(force_close=True, limit=0)
    timeout = aiohttp.ClientTimeout(total=TIMEOUT)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def talk(sender: str, messages: List[str]) -> List[List[Dict[str, Any]]]:
            replies = []
            for message in messages:
                async with session.post(
                    bot.url + WEBHOOK, json={"sender": sender, "message": message}
                ) as response:
                    body = await response.json()
                    assert response.status == 200, body
                    replies.append(body)
            return replies

        results = await asyncio.gather(*(talk(s, m) for s, m in conversations.items()))
        return dict(zip(conversations, results))


def assert_answered(reply: List[Dict[str, Any]], message: str) -> None:
    assert reply and texts(reply).strip(), f"no reply to {message!r}: {reply}"
    assert APOLOGY not in texts(reply), f"apology (failed turn) for {message!r}: {reply}"


# --- the bot ---------------------------------------------------------------------------------


def rasa_log(bot: Bot) -> str:
    return (REPO / "var" / "log" / f"rasa-{bot.rasa_port}.log").read_text(errors="replace")


@pytest.fixture(scope="module")
def workers_bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    """A bot whose Rasa runs two Sanic workers sharing a lock store in its workdir."""
    workdir = tmp_path_factory.mktemp("workers-bot")
    # The lock is under test, not the per-sender backlog cap (tests/faults/test_flood.py): let
    # one conversation queue all of its concurrent messages.
    bot = make_bot(
        workdir,
        SANIC_WORKERS=str(WORKERS),
        LOCK_STORE_URL=f"sqlite:///{workdir / 'locks.db'}",
        MAX_PENDING_PER_SENDER="100",
    )
    bot.start()
    workers: List[int] = []
    try:
        # serve.sh is ready when one worker answers; each worker loads the model itself and
        # only accepts connections once it has (it logs this line then).
        wait_until(
            lambda: rasa_log(bot).count("Rasa server is up and running.") >= WORKERS,
            timeout=240,
            what="both Sanic workers to load the model",
        )
        workers = worker_pids(bot)
        yield bot
    finally:
        bot.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    # `serve.sh stop` signals Rasa's main process, which stops its workers: none is left over.
    wait_until(
        lambda: not any(alive(pid) for pid in workers), timeout=60, what="the workers to exit"
    )


def test_rasa_runs_two_workers_that_both_serve(workers_bot: Bot):
    workers = worker_pids(workers_bot)
    assert len(workers) == WORKERS, f"children of Rasa: {workers}\n{rasa_log(workers_bot)[-3000:]}"
    # The lock store is the one we configured, not var/locks.db.
    assert (workers_bot.workdir / "locks.db").exists()

    ticks_before = {pid: cpu_ticks(pid) for pid in workers}
    served: Counter = Counter()
    # A few requests in flight at a time, each on a fresh connection: while one worker is
    # busy with a turn (CPU-bound), the other one accepts the next connection.
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(
            pool.map(
                lambda i: ask_and_find_worker(
                    workers_bot, workers, f"workers-burst-{i}", BURST[i % len(BURST)]
                ),
                range(40),
            )
        )
    for i, (pid, reply) in enumerate(results):
        assert_answered(reply, BURST[i % len(BURST)])
        served[pid] += 1
    ticks_after = {pid: cpu_ticks(pid) for pid in workers}

    assert None not in served, f"could not tell which worker served some requests: {served}"
    assert set(served) == set(workers), f"requests per worker: {dict(served)}"
    for pid in workers:
        assert ticks_after[pid] > ticks_before[pid], (
            f"worker {pid} used no CPU during the burst: {ticks_before} -> {ticks_after}"
        )
    assert worker_pids(workers_bot) == workers, "a worker died or was replaced"


def test_one_conversation_sent_concurrently_is_serialised_by_the_lock(workers_bot: Bot):
    assert len(ONE_CONVERSATION) == 20 and len(set(ONE_CONVERSATION)) == 20
    workers = worker_pids(workers_bot)
    # The kernel spreads connections over the workers; on a busy machine one burst can land on
    # one worker only, which proves nothing about the lock: then a new conversation tries again.
    for _attempt in range(3):
        sender = f"workers-lock-{random.getrandbits(32):08x}"
        messages = list(ONE_CONVERSATION)
        random.shuffle(messages)
        ticks_before = {pid: cpu_ticks(pid) for pid in workers}

        replies = asyncio.run(_say_all(workers_bot, [(sender, m) for m in messages]))

        ticks_after = {pid: cpu_ticks(pid) for pid in workers}
        if all(ticks_after[pid] > ticks_before[pid] for pid in workers):
            break
    # Both workers took part (they serve nobody else), so the lock was shared between them.
    assert all(ticks_after[pid] > ticks_before[pid] for pid in workers), (
        ticks_before, ticks_after
    )

    for message, reply in zip(messages, replies):
        assert_answered(reply, message)
    events = stored_events(workers_bot, sender)
    said = user_texts(events)
    assert len(said) == 20, f"{len(said)} user events stored: {said}"
    assert Counter(said) == Counter(messages), "a turn was lost or stored twice"
    # One conversation start, not one per worker that saw the conversation as new.
    assert [e["event"] for e in events].count("session_started") == 1
    assert_turns_do_not_overlap(events)
    assert worker_pids(workers_bot) == workers, "a worker died or was replaced"


def test_several_conversations_at_once_are_stored_in_order(workers_bot: Bot):
    run = f"{random.getrandbits(32):08x}"
    conversations = {
        f"workers-multi-{run}-{i}": conversation_turns(i) for i in range(CONVERSATIONS)
    }
    assert all(len(turns) == 5 for turns in conversations.values())

    replies = asyncio.run(_conversations(workers_bot, conversations))

    for sender, messages in conversations.items():
        for message, reply in zip(messages, replies[sender]):
            assert_answered(reply, message)
        events = stored_events(workers_bot, sender)
        assert user_texts(events) == messages, sender
        assert_turns_do_not_overlap(events)


def test_no_turn_ran_without_the_lock_or_failed(workers_bot: Bot):
    """Runs last in this module: nothing in Rasa's log says a turn of ours went wrong.

    serve.sh's readiness probes are left out: with several workers Sanic's main process
    listens before any worker has loaded the model, so a probe that gave up (``curl -m 5``)
    can sit in the backlog and be handled later, which logs "timed out" / "no reply".
    """
    log = "\n".join(
        line for line in rasa_log(workers_bot).splitlines() if "readiness-probe" not in line
    )
    for sign in ("without its lock", "Could not release lock", "produced no reply",
                 "Handling a message of", "Traceback"):
        assert sign not in log, f"{sign!r} in the Rasa log:\n{log[-4000:]}"
    assert len(worker_pids(workers_bot)) == WORKERS
