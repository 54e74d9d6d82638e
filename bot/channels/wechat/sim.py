"""A local stand-in for the WeChat platform: try the channel without a WeChat account.

Builds the XML the platform posts, signs it, optionally encrypts it (safe mode), posts it to a
running bot and prints the reply, decrypted and with its signature checked::

    python -m bot.channels.wechat.sim --token TOKEN "Which documents do I need?"
    python -m bot.channels.wechat.sim --token TOKEN --aes-key KEY --app-id wx... "需要哪些材料"
    python -m bot.channels.wechat.sim --token TOKEN --type subscribe
    python -m bot.channels.wechat.sim --token TOKEN --verify      # the server-URL check
    python -m bot.channels.wechat.sim --token TOKEN               # interactive: one line, one message

The token, EncodingAESKey and AppID must be those the channel is configured with
(credentials.yml). Uses only the standard library and ``crypto``/``xml`` of this package, and
contacts only the URL given (default: the local bot).
"""

from __future__ import annotations

import argparse
import secrets
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Dict, List, Optional, Sequence, Text, Tuple

from bot.channels.wechat.crypto import MessageCrypto, check_signature, signature
from bot.channels.wechat.xml import build, parse_message

DEFAULT_URL = "http://localhost:5005/webhooks/wechat/webhook"
DEFAULT_USER = "o_simulated_user"
DEFAULT_ACCOUNT = "gh_simulated_account"
KINDS = ("text", "voice", "image", "location", "subscribe", "unsubscribe")


def build_message(
    kind: Text,
    text: Text = "",
    user: Text = DEFAULT_USER,
    account: Text = DEFAULT_ACCOUNT,
    create_time: Optional[int] = None,
    msg_id: Optional[Text] = None,
) -> Text:
    """The XML the platform posts for a user's message or event.

    Args:
        kind: One of ``KINDS``: a text, a voice message (``text`` as its speech recognition),
            an image, a location, or the subscribe / unsubscribe event.
        text: The text (text and voice).
        user: The user's OpenID (``FromUserName``).
        account: The Official Account's id (``ToUserName``).
        create_time: Seconds since the epoch (default: now).
        msg_id: The platform's message id (messages only; default: random).
    """
    fields: Dict[Text, object] = {
        "ToUserName": account,
        "FromUserName": user,
        "CreateTime": int(create_time if create_time is not None else time.time()),
    }
    if kind in ("subscribe", "unsubscribe"):
        fields.update({"MsgType": "event", "Event": kind})
        return build(fields)
    fields["MsgType"] = kind
    if kind == "text":
        fields["Content"] = text
    elif kind == "voice":
        fields.update({"MediaId": "simulated-media", "Format": "amr", "Recognition": text})
    elif kind == "image":
        fields.update({"PicUrl": "http://127.0.0.1/simulated.jpg", "MediaId": "simulated-media"})
    elif kind == "location":
        fields.update({"Location_X": "23.13", "Location_Y": "113.26", "Scale": "15", "Label": "?"})
    else:
        raise ValueError(f"unknown message type {kind!r}; one of {', '.join(KINDS)}")
    fields["MsgId"] = msg_id or str(secrets.randbits(63))
    return build(fields)


def signed_request(
    message_xml: Text,
    token: Text,
    crypto: Optional[MessageCrypto] = None,
    timestamp: Optional[Text] = None,
    nonce: Optional[Text] = None,
) -> Tuple[Dict[Text, Text], bytes]:
    """The query parameters and body of the platform's POST for ``message_xml``.

    Args:
        message_xml: The message (``build_message``).
        token: The server token.
        crypto: Encrypt in safe mode (``encrypt_type=aes``) when given.
        timestamp: The request's timestamp (default: now).
        nonce: The request's nonce (default: random digits).
    """
    timestamp = timestamp or str(int(time.time()))
    nonce = nonce or str(secrets.randbelow(10**10))
    query = {
        "signature": signature(token, timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
        "openid": DEFAULT_USER,
    }
    if crypto is None:
        return query, message_xml.encode("utf-8")
    encrypted = crypto.encrypt(message_xml)
    msg_signature = crypto.sign(timestamp, nonce, encrypted)
    query.update({"encrypt_type": "aes", "msg_signature": msg_signature})
    envelope = build({"ToUserName": DEFAULT_ACCOUNT, "Encrypt": encrypted})
    return query, envelope.encode("utf-8")


def read_reply(body: bytes, token: Text, crypto: Optional[MessageCrypto] = None) -> Dict[Text, Text]:
    """The fields of the bot's passive reply, as the platform would read them.

    Args:
        body: The HTTP response body.
        token: The server token.
        crypto: For a safe-mode reply: its ``MsgSignature`` is checked and ``Encrypt``
            decrypted.

    Returns:
        The reply's fields (``Content``...); ``{}`` for ``success`` or an empty body (no reply).

    Raises:
        SignatureError: an encrypted reply with a wrong signature.
        DecryptError, XmlError: a malformed reply.
    """
    if body.strip() in (b"", b"success"):
        return {}
    fields = parse_message(body)
    if "Encrypt" in fields:
        if crypto is None:
            raise ValueError("the reply is encrypted: give the EncodingAESKey and AppID")
        check_signature(
            fields.get("MsgSignature"), token, fields.get("TimeStamp"), fields.get("Nonce"),
            fields["Encrypt"],
        )
        fields = parse_message(crypto.decrypt(fields["Encrypt"]).encode("utf-8"))
    return fields


def post(url: Text, query: Dict[Text, Text], body: bytes, timeout: float = 10.0) -> Tuple[int, bytes]:
    """POSTs a body as the platform does; returns the status and the body."""
    request = urllib.request.Request(
        url + "?" + urllib.parse.urlencode(query),
        data=body,
        headers={"Content-Type": "text/xml; charset=utf-8", "User-Agent": "Mozilla/4.0"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def verify_url(url: Text, token: Text, timeout: float = 10.0) -> Tuple[int, Text]:
    """The platform's server-URL check: GET with a signature and an ``echostr`` to echo."""
    timestamp, nonce, echostr = str(int(time.time())), str(secrets.randbelow(10**10)), secrets.token_hex(8)
    query = {"signature": signature(token, timestamp, nonce), "timestamp": timestamp,
             "nonce": nonce, "echostr": echostr}
    try:
        with urllib.request.urlopen(url + "?" + urllib.parse.urlencode(query), timeout=timeout) as reply:
            text = reply.read().decode("utf-8", "replace")
            return reply.status, "OK: echostr echoed" if text == echostr else f"unexpected answer {text!r}"
    except urllib.error.HTTPError as error:
        return error.code, "refused"


def exchange(args: argparse.Namespace, crypto: Optional[MessageCrypto], kind: Text, text: Text) -> Text:
    """Sends one message (and its retries) and describes the reply."""
    message_xml = build_message(kind, text, user=args.user, account=args.account)
    lines: List[Text] = []
    # Retries resend the very same message (same MsgId / CreateTime), as the platform does.
    for attempt in range(1 + args.retries):
        query, body = signed_request(message_xml, args.token, crypto)
        status, reply = post(args.url, query, body, timeout=args.timeout)
        prefix = f"[retry {attempt}] " if attempt else ""
        if status != 200:
            lines.append(f"{prefix}HTTP {status}: {reply.decode('utf-8', 'replace')}")
            continue
        fields = read_reply(reply, args.token, crypto)
        if not fields:
            lines.append(f"{prefix}(no reply: success)")
        else:
            lines.append(prefix + (fields.get("Content") or str(fields)))
    return "\n".join(lines)


def main(argv: Optional[Sequence[Text]] = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m bot.channels.wechat.sim", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("message", nargs="*", help="the message (interactive when omitted)")
    parser.add_argument("--url", default=DEFAULT_URL, help=f"the channel's webhook (default {DEFAULT_URL})")
    parser.add_argument("--token", required=True, help="the server token (credentials.yml)")
    parser.add_argument("--aes-key", help="EncodingAESKey: send in safe mode (encrypted)")
    parser.add_argument("--app-id", help="the AppID (needed with --aes-key)")
    parser.add_argument("--type", default="text", choices=KINDS, dest="kind")
    parser.add_argument("--user", default=DEFAULT_USER, help="the user's OpenID (the conversation)")
    parser.add_argument("--account", default=DEFAULT_ACCOUNT, help="the Official Account id")
    parser.add_argument("--retries", type=int, default=0, help="resend the same message N times")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for a reply")
    parser.add_argument("--verify", action="store_true", help="only do the server-URL check")
    args = parser.parse_args(argv)

    if args.verify:
        status, outcome = verify_url(args.url, args.token, args.timeout)
        print(f"HTTP {status}: {outcome}")
        return 0 if status == 200 and outcome.startswith("OK") else 1
    if args.aes_key and not args.app_id:
        parser.error("--aes-key needs --app-id")
    crypto = MessageCrypto(args.token, args.aes_key, args.app_id) if args.aes_key else None

    if args.message or args.kind != "text":
        print(exchange(args, crypto, args.kind, " ".join(args.message)))
        return 0
    print("Type a message per line (Ctrl-D to end).", file=sys.stderr)
    for line in sys.stdin:
        if line.strip():
            print(exchange(args, crypto, "text", line.strip()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
