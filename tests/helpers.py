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


