"""Test helpers: run actions and read what they uttered."""
from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher


def run_action(action: Action, tracker: Tracker) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    """Runs an action; returns (messages uttered, events returned)."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, events


def responses(messages: List[Dict[str, Any]]) -> List[str]:
    """Names of the domain responses in the uttered messages."""
    return [m.get("response") for m in messages]


def slot_events(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    """SlotSet events as a dict."""
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}




class ThreadedSanicServer:
    """A Sanic app with some channels, served on 127.0.0.1 from a background thread.

    Sanic 21.12 rewrites its own methods when an app starts ("touchup"), and rewriting them a
    second time fails (``KeyError: 'handle_exception'``) unless ``Sanic.test_mode`` keeps the
    originals, which sanic-testing sets; set here too, so any number of these servers start in
    one process, whichever tests run first.
    """

    def __init__(self, name: str, channels: List[Any]) -> None:
        import socket
        import threading
        import uuid

        from rasa.core.channels.channel import register
        from sanic import Sanic

        Sanic.test_mode = True
        self.app = Sanic(f"{name}_{uuid.uuid4().hex}")
        register(channels, self.app, route="/webhooks/")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._task: Any = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        assert self._ready.wait(20), "server did not start"

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def serve() -> None:
            server = await self.app.create_server(
                host="127.0.0.1", port=self.port, return_asyncio_server=True, access_log=False
            )
            await server.startup()
            self._ready.set()
            try:
                await server.serve_forever()
            finally:
                server.close()

        self._task = self._loop.create_task(serve())
        try:
            self._loop.run_until_complete(self._task)
        except asyncio.CancelledError:
            pass

    def stop(self) -> None:
        """Stops serving and joins the thread."""
        self._loop.call_soon_threadsafe(self._task.cancel)
        self._thread.join(10)
