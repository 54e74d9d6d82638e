"""Size limits shared by every way in (REST, socket.io, agent assist, feedback)."""
from __future__ import annotations

import json
import re

#: Longest user message passed to NLU; longer ones get a polite "please shorten" answer.
MAX_MESSAGE_CHARS = 2000
#: Longest conversation id a channel accepts (also the width of the feedback column).
MAX_SENDER_CHARS = 128
#: Longest response name (``utter_...``) a client may refer to.
MAX_ANSWER_KEY_CHARS = 128
#: Deepest nesting of objects and arrays a JSON request body may have. Real requests are 2-3
#: levels deep; Python's JSON decoder recurses per level, so a body a thousand levels deep (2 KB)
#: would otherwise end in a RecursionError (a 500) or break the turn later.
MAX_JSON_DEPTH = 16
#: Largest ``metadata`` object a message may carry, serialised, and its deepest nesting. Rasa
#: stores metadata with every user message and copies it through every turn.
MAX_METADATA_BYTES = 4 * 1024
MAX_METADATA_DEPTH = 4


def json_text_depth(text: str) -> int:
    """The deepest nesting of ``[`` and ``{`` in a JSON text, without parsing it.

    Brackets inside strings do not count (strings are removed first; a string ends at a quote
    not escaped by a backslash). No recursion, so any input is measured in linear time and
    constant stack.

    Args:
        text: A JSON document (valid or not).

    Returns:
        The maximum depth reached (0 for a scalar).
    """
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub("", text)):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def value_depth(value: object) -> int:
    """The nesting depth of dicts and lists in a decoded value, iteratively (no recursion).

    Args:
        value: A value as decoded from JSON (dicts, lists, scalars).

    Returns:
        0 for a scalar, 1 for a flat dict or list, and so on.
    """
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, (list, tuple)):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


# A JSON string (an unterminated one runs to the end), and the brackets left outside strings.
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"?', re.S)
_BRACKETS = re.compile(r"[\[\]{}]")


def metadata_problem(metadata: object) -> "str | None":
    """Why a message's ``metadata`` is refused, or None when it is acceptable.

    Acceptable: a JSON object at most ``MAX_METADATA_DEPTH`` deep and at most
    ``MAX_METADATA_BYTES`` long once serialised (depth first, so serialising cannot recurse
    deeply).
    """
    if not isinstance(metadata, dict):
        return "'metadata' must be a JSON object."
    if value_depth(metadata) > MAX_METADATA_DEPTH:
        return f"'metadata' must be at most {MAX_METADATA_DEPTH} levels deep."
    try:
        size = len(json.dumps(metadata, ensure_ascii=False).encode("utf-8"))
    except (TypeError, ValueError):
        return "'metadata' must be a JSON object."
    if size > MAX_METADATA_BYTES:
        return f"'metadata' must be at most {MAX_METADATA_BYTES} bytes."
    return None
