"""Reading and writing the platform's XML messages, safely.

The platform's messages are one flat ``<xml>`` element whose children hold the fields
(``<ToUserName>``, ``<MsgType>``, ``<Content>``...). Anyone can POST to the webhook, so the
parser accepts nothing beyond that:

- bodies over ``MAX_XML_BYTES`` are refused before parsing;
- any document type declaration is refused (``<!DOCTYPE``, hence no ``<!ENTITY``): the
  "billion laughs" and external-entity attacks need one. The bytes before the root element
  are checked first, and the parser (expat, driven directly) stops at the start of any
  declaration, before reading a single entity (also when an encoding hides it from the byte
  check). A user's message that merely contains the text "<!DOCTYPE" (inside CDATA) is fine;
- the root must be ``<xml>``; fields are its direct children, with their text (nested elements,
  such as an event's ``<ScanCodeInfo>``, are kept as the concatenated text of their children).

Writing: replies are built from CDATA sections, with ``]]>`` split so text cannot end one.
"""

from __future__ import annotations

import re
import xml.parsers.expat
from typing import Dict, List, Mapping, Optional, Text

MAX_XML_BYTES = 64 * 1024

_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class XmlError(Exception):
    """A body that is not a message we accept."""


def parse_message(raw: bytes) -> Dict[Text, Text]:
    """Parses a platform message into ``{field: text}``.

    Args:
        raw: The XML body.

    Returns:
        The text of each child of the root (the last one wins when a field repeats), stripped
        of surrounding whitespace.

    Raises:
        XmlError: the body is too large, not well-formed XML, has a document type declaration,
            or its root is not ``<xml>``.
    """
    if len(raw) > MAX_XML_BYTES:
        raise XmlError(f"body is larger than {MAX_XML_BYTES} bytes")
    # The prolog: everything before the root element (where a declaration would have to be).
    root = raw.find(b"<xml")
    if _DECLARATION.search(raw[: root if root >= 0 else len(raw)]):
        raise XmlError("document type declarations are not accepted")

    fields: Dict[Text, Text] = {}
    stack: List[Text] = []
    texts: List[List[Text]] = []

    def refuse(*_: object) -> None:
        raise XmlError("document type declarations are not accepted")

    def start(name: Text, _attributes: Mapping[Text, Text]) -> None:
        if not stack and name != "xml":
            raise XmlError("root element is not <xml>")
        stack.append(name)
        texts.append([])

    def end(name: Text) -> None:
        text = "".join(texts.pop())
        stack.pop()
        if len(stack) == 1:
            fields[name] = text.strip()
        elif len(stack) > 1:
            texts[-1].append(text)

    def data(chunk: Text) -> None:
        if texts:
            texts[-1].append(chunk)

    parser = xml.parsers.expat.ParserCreate()
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = data
    try:
        parser.Parse(raw, True)
    except xml.parsers.expat.ExpatError as error:
        raise XmlError(f"malformed XML: {error}") from error
    return fields


def cdata(text: Text) -> Text:
    """``text`` as CDATA; a ``]]>`` inside is split over two sections."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def build(fields: Mapping[Text, object]) -> Text:
    """An ``<xml>`` message: strings as CDATA, integers as they are, in the given order."""
    parts = []
    for name, value in fields.items():
        body = str(value) if isinstance(value, int) else cdata(str(value))
        parts.append(f"<{name}>{body}</{name}>")
    return "<xml>" + "".join(parts) + "</xml>"


def text_reply(to_user: Text, from_user: Text, create_time: int, content: Text) -> Text:
    """A passive text reply (``MsgType`` text)."""
    return build(
        {
            "ToUserName": to_user,
            "FromUserName": from_user,
            "CreateTime": create_time,
            "MsgType": "text",
            "Content": content,
        }
    )


def encrypted_envelope(encrypted: Text, msg_signature: Text, timestamp: Text, nonce: Text) -> Text:
    """The safe-mode envelope of an encrypted reply (or of an encrypted request, in the simulator)."""
    return build(
        {
            "Encrypt": encrypted,
            "MsgSignature": msg_signature,
            "TimeStamp": int(timestamp) if timestamp.isdigit() else timestamp,
            "Nonce": nonce,
        }
    )


def field(fields: Mapping[Text, Text], name: Text) -> Optional[Text]:
    """A field's text, or None when absent or empty."""
    value = fields.get(name)
    return value or None
