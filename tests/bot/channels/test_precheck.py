"""POST /webhooks/precheck, served in-process by a real Sanic server on 127.0.0.1: every problem
code, languages, multipart, 400/413/429/503 as JSON, never a 500, the event loop kept free."""
from __future__ import annotations

import http.client
import io
import json
import logging
import struct
import threading
import time
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import pytest

from tests.helpers import ThreadedSanicServer
from PIL import Image

import bot.channels.precheck as channel_module
from bot.channels.precheck import (
    MAX_BODY_BYTES,
    PrecheckInput,
    TokenBucket,
    body_kind,
    multipart_file,
    parse_lang,
)
from bot.channels.rest import RequestError
from bot.core.precheck import MAX_BYTES
from bot.devtools.precheck_calibration import CardSpec, make_card

PATH = "/webhooks/precheck"


class Server(ThreadedSanicServer):
    """The app with the channel(s) under test (see ``tests.helpers.ThreadedSanicServer``)."""

    def __init__(self, channel) -> None:
        self.channel = channel
        super().__init__("precheck_test", [channel])

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def post(
        self,
        body: Any = b"",
        content_type: Optional[str] = "image/jpeg",
        query: str = "",
        headers: Optional[Dict[str, str]] = None,
        **options: Any,
    ) -> Tuple[int, Dict[str, str], Dict[str, Any]]:
        """(status, headers, JSON body) of one request."""
        all_headers = dict(headers or {})
        if content_type is not None:
            all_headers["Content-Type"] = content_type
        connection = self.connection()
        try:
            connection.request("POST", PATH + query, body=body, headers=all_headers, **options)
            answer = connection.getresponse()
            raw = answer.read()
            return answer.status, {k.lower(): v for k, v in answer.getheaders()}, json.loads(raw)
        finally:
            connection.close()


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    # A generous rate limit: the tests below make many requests from the same address.
    running = Server(PrecheckInput(rate_limit_per_minute=6000, rate_limit_burst=1000))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def clean_image() -> Image.Image:
    return make_card(CardSpec(long_side=1400, seed=21))[1]


def card(**changes: Any) -> bytes:
    return make_card(CardSpec(**changes))[0]


def encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


def padded(jpeg: bytes, total: int) -> bytes:
    """A valid JPEG of ``total`` bytes (comment segments)."""
    segments = []
    missing = total - len(jpeg)
    while missing > 0:
        payload = min(65533, max(0, missing - 4))
        segments.append(b"\xff\xfe" + struct.pack(">H", payload + 2) + b" " * payload)
        missing -= payload + 4
    return jpeg[:2] + b"".join(segments) + jpeg[2:]


def multipart(parts: List[Tuple[str, Optional[str], bytes]], boundary: str = "XyZ123") -> bytes:
    out = b""
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += (
            f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode() + content + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


# --- 200: the verdict --------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["image/jpeg", "image/png", "application/octet-stream",
                                          "IMAGE/JPEG; charset=binary"])
def test_a_clean_photo(server: Server, content_type: str) -> None:
    data = card(seed=22)
    status, headers, body = server.post(data, content_type)
    assert status == 200
    assert headers["content-type"].startswith("application/json")
    assert headers["cache-control"] == "no-store"
    assert body == {
        "ok": True,
        "format": "jpeg",
        "bytes": len(data),
        "width": 1600,
        "height": 1009,
        "problems": [],
        "source": "Document upload requirements",
        "source_anchor": "#section_t2v_rbt_zdb",
    }


def _cases() -> List[Tuple[str, Callable[[], bytes]]]:
    return [
        ("format", lambda: encode(make_card(CardSpec(seed=23))[1], "WEBP")),
        ("size", lambda: padded(card(seed=24), MAX_BYTES + 1)),
        ("grayscale", lambda: card(grayscale=True, seed=25)),
        ("blurry", lambda: card(blur=5.0, seed=26)),
        ("dark", lambda: card(gain=0.2, seed=27)),
        ("overexposed", lambda: card(gain=1.9, offset=130, seed=28)),
        ("small", lambda: card(long_side=500, seed=29)),
        ("unreadable", lambda: card(seed=30)[:20_000]),
    ]


@pytest.mark.parametrize("code, make", _cases(), ids=[c for c, _ in _cases()])
def test_every_problem_code(server: Server, code: str, make: Callable[[], bytes]) -> None:
    status, _, body = server.post(make())
    assert status == 200
    assert body["ok"] is False
    assert [p["code"] for p in body["problems"]] == [code]
    assert "FAQ" in body["problems"][0]["message"]


def test_lang_zh(server: Server) -> None:
    status, _, body = server.post(card(blur=5.0, seed=31), query="?lang=zh")
    assert status == 200
    assert body["problems"][0]["code"] == "blurry"
    assert "模糊" in body["problems"][0]["message"]


def test_lang_en_is_the_default(server: Server) -> None:
    _, _, default = server.post(card(gain=0.2, seed=32))
    _, _, english = server.post(card(gain=0.2, seed=32), query="?lang=en")
    assert default == english and "too dark" in default["problems"][0]["message"]


def test_multipart_field_file(server: Server) -> None:
    data = card(blur=5.0, seed=33)
    form = multipart([("note", None, "any text".encode()), ("file", "id.jpg", data)])
    status, _, body = server.post(form, "multipart/form-data; boundary=XyZ123", query="?lang=zh")
    assert status == 200
    assert body["bytes"] == len(data)
    assert [p["code"] for p in body["problems"]] == ["blurry"]


def test_multipart_without_a_file_part(server: Server) -> None:
    form = multipart([("image", "id.jpg", card(seed=34))])
    status, _, body = server.post(form, "multipart/form-data; boundary=XyZ123")
    assert status == 400 and "'file'" in body["error"]


# --- 400 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["image/jpeg", "application/octet-stream"])
def test_empty_body(server: Server, content_type: str) -> None:
    status, headers, body = server.post(b"", content_type)
    assert status == 400
    assert headers["content-type"].startswith("application/json")
    assert "empty" in body["error"]


def test_empty_file_part(server: Server) -> None:
    status, _, body = server.post(multipart([("file", "a.jpg", b"")]),
                                  "multipart/form-data; boundary=XyZ123")
    assert status == 400 and "empty" in body["error"]


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/json", "application/x-www-form-urlencoded", "multipart/form-data",
     None],
)
def test_wrong_content_type(server: Server, content_type: Optional[str]) -> None:
    status, _, body = server.post(card(seed=35), content_type)
    assert status == 400
    assert "image/*" in body["error"] or "boundary" in body["error"]


def test_unknown_lang(server: Server) -> None:
    status, _, body = server.post(card(seed=36), query="?lang=fr")
    assert status == 400 and "'lang'" in body["error"]


# --- 413 ---------------------------------------------------------------------------------------


def test_up_to_20_mb_gets_a_verdict(server: Server) -> None:
    data = padded(card(seed=37), MAX_BODY_BYTES)
    status, _, body = server.post(data)
    assert status == 200
    assert body["bytes"] == MAX_BODY_BYTES
    assert [p["code"] for p in body["problems"]] == ["size"]
    assert "20.0 MB" in body["problems"][0]["message"]


def test_over_20_mb_body_is_413_json(server: Server) -> None:
    status, headers, body = server.post(b"\xff\xd8\xff" + b"\x00" * MAX_BODY_BYTES)
    assert status == 413
    assert headers["content-type"].startswith("application/json")
    assert "4 MB" in body["error"]


def _declared(server: Server, declared: int, sent: int) -> Tuple[int, Dict[str, str], bytes]:
    """Declares a body of ``declared`` bytes, sends only ``sent``, reads the answer."""
    connection = server.connection()
    try:
        connection.putrequest("POST", PATH)
        connection.putheader("Content-Type", "image/jpeg")
        connection.putheader("Content-Length", str(declared))
        connection.endheaders()
        connection.send(b"\xff\xd8\xff" + b"\x00" * (sent - 3))
        answer = connection.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        connection.close()


@pytest.mark.parametrize("declared", [MAX_BODY_BYTES + 1, 150 * 1024 * 1024, 10**12])
def test_content_length_is_checked_before_reading(server: Server, declared: int) -> None:
    # Answered at once, without waiting for the body; above Sanic's REQUEST_MAX_SIZE (100 MB)
    # too, where Sanic itself would answer with its own (HTML or text) 413 page.
    started = time.perf_counter()
    status, headers, raw = _declared(server, declared, 1024)
    assert time.perf_counter() - started < 10
    assert status == 413
    assert headers["content-type"].startswith("application/json")
    assert "larger than 20 MB" in json.loads(raw)["error"]


def test_chunked_body_over_20_mb_is_413(server: Server) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"\xff\xd8\xff"
        for _ in range(21):
            yield b"\x00" * (1024 * 1024)

    status, _, body = server.post(chunks(), encode_chunked=True)
    assert status == 413 and "20 MB" in body["error"]


def test_the_server_still_answers_after_a_413(server: Server) -> None:
    _declared(server, 150 * 1024 * 1024, 1024)
    status, _, body = server.post(card(seed=38))
    assert status == 200 and body["ok"]


# --- 429 ---------------------------------------------------------------------------------------


def test_rate_limit_answers_429_with_retry_after(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr(server.channel, "limiter", TokenBucket(6, 2, clock=lambda: now[0]))
    data = card(seed=39)
    assert server.post(data)[0] == 200
    assert server.post(data)[0] == 200
    status, headers, body = server.post(data)
    assert status == 429
    assert headers["content-type"].startswith("application/json")
    assert headers["retry-after"] == "10"  # 6 per minute: one token every 10 s
    assert "Too many" in body["error"]
    # Refused before the body is read: a large one changes nothing.
    assert server.post(b"\0" * (MAX_BODY_BYTES + 10))[0] == 429
    now[0] += 10
    assert server.post(data)[0] == 200


def test_token_bucket_keeps_clients_apart_and_refills() -> None:
    now = [0.0]
    bucket = TokenBucket(rate_per_minute=60, burst=2, clock=lambda: now[0], max_clients=2)
    assert [bucket.take("a"), bucket.take("a")] == [0, 0]
    assert bucket.take("a") == pytest.approx(1.0)
    assert bucket.take("b") == 0
    now[0] += 0.5
    assert bucket.take("a") == pytest.approx(0.5)
    now[0] += 1.0
    assert bucket.take("a") == 0
    bucket.take("c")  # a third client: the least recently seen one ("b") is forgotten
    assert len(bucket._buckets) == 2 and "b" not in bucket._buckets


def test_rate_limit_settings_come_from_credentials() -> None:
    configured = PrecheckInput.from_credentials(
        {"rate_limit_per_minute": 12, "rate_limit_burst": 3, "workers": 1, "max_pending": 2}
    )
    assert configured.limiter.rate == pytest.approx(0.2)
    assert configured.limiter.burst == 3
    assert (configured.workers, configured.max_pending) == (1, 2)
    default = PrecheckInput.from_credentials(None)
    assert default.limiter.rate == pytest.approx(0.5) and default.max_pending == 4


# --- never a 500; the event loop stays free; no image in logs ------------------------------------


def test_a_failing_check_is_503_json_not_500(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(data: bytes, lang: str) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(channel_module, "check_image", broken)
    status, headers, body = server.post(card(seed=40))
    assert status == 503
    assert headers["content-type"].startswith("application/json")
    assert "unavailable" in body["error"]


def test_busy_is_503_with_retry_after(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server.channel, "_pending", server.channel.max_pending)
    status, headers, body = server.post(card(seed=41))
    assert status == 503 and headers["retry-after"] == "2" and "busy" in body["error"]
    monkeypatch.setattr(server.channel, "_pending", 0)
    assert server.post(card(seed=41))[0] == 200


def test_checks_run_off_the_event_loop(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()
    real = channel_module.check_image

    def slow(data: bytes, lang: str):
        release.wait(10)
        return real(data, lang)

    monkeypatch.setattr(channel_module, "check_image", slow)
    results: List[int] = []
    worker = threading.Thread(target=lambda: results.append(server.post(card(seed=42))[0]))
    worker.start()
    time.sleep(0.3)
    started = time.perf_counter()
    status, _, _ = server.post(b"", "image/jpeg")  # served while the check is still running
    elapsed = time.perf_counter() - started
    release.set()
    worker.join(20)
    assert status == 400 and elapsed < 2
    assert results == [200]


def test_no_image_bytes_in_logs_or_answer(server: Server, caplog: pytest.LogCaptureFixture) -> None:
    marker = b"SECRET-PASSPORT-NUMBER-E12345678"
    jpeg = card(seed=43)
    comment = b"\xff\xfe" + struct.pack(">H", len(marker) + 2) + marker
    data = jpeg[:2] + comment + jpeg[2:40_000]  # truncated: the "not decodable" path logs
    caplog.set_level(logging.DEBUG)
    status, _, body = server.post(data)
    assert status == 200 and body["problems"][0]["code"] == "unreadable"
    assert marker.decode() not in caplog.text
    assert marker.decode() not in json.dumps(body)


# --- request parsing units -----------------------------------------------------------------------


def test_parse_lang() -> None:
    assert parse_lang(None) == parse_lang("") == "en"
    assert parse_lang("zh") == "zh"
    with pytest.raises(RequestError):
        parse_lang("ZH")


def test_body_kind() -> None:
    assert body_kind("image/heic")[0] == "raw"
    assert body_kind('multipart/form-data; boundary="a b"') == ("multipart", {"boundary": "a b"})
    for bad in ("", "text/html", "imagejpeg", "multipart/mixed; boundary=x"):
        with pytest.raises(RequestError):
            body_kind(bad)


@pytest.mark.parametrize(
    "body",
    [b"", b"garbage", b"--B\r\nContent-Disposition: form-data; name=\"file\"\r\n", b"--B--\r\n"],
)
def test_malformed_multipart_is_400(body: bytes) -> None:
    with pytest.raises(RequestError) as error:
        multipart_file(body, "B")
    assert error.value.status == 400


def test_multipart_keeps_binary_content_exactly() -> None:
    content = bytes(range(256)) * 10 + b"\r\n--B"  # looks like a delimiter, but not after CRLF+--B\r\n
    body = multipart([("file", None, content)], boundary="Bz")
    assert multipart_file(body, "Bz") == content
