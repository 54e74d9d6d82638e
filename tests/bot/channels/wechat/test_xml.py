"""Safe parsing of the platform's XML, and building replies."""

from __future__ import annotations

import pytest

from bot.channels.wechat.xml import MAX_XML_BYTES, XmlError, cdata, parse_message, text_reply

TEXT_MESSAGE = (
    b"<xml><ToUserName><![CDATA[gh_account]]></ToUserName>"
    b"<FromUserName><![CDATA[o_user]]></FromUserName><CreateTime>1409735668</CreateTime>"
    b"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[\xe4\xbd\xa0\xe5\xa5\xbd <b>&amp;]]></Content>"
    b"<MsgId>6054768590064713728</MsgId></xml>"
)


def test_fields_of_a_text_message():
    assert parse_message(TEXT_MESSAGE) == {
        "ToUserName": "gh_account",
        "FromUserName": "o_user",
        "CreateTime": "1409735668",
        "MsgType": "text",
        "Content": "你好 <b>&amp;",
        "MsgId": "6054768590064713728",
    }


def test_nested_fields_keep_their_text():
    raw = b"<xml><Event>scancode_push</Event><ScanCodeInfo><ScanType>qrcode</ScanType><ScanResult>1</ScanResult></ScanCodeInfo></xml>"
    assert parse_message(raw) == {"Event": "scancode_push", "ScanCodeInfo": "qrcode1"}


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not xml",
        b"<xml><Content>unclosed</xml>",
        b"<xml><a></b></xml>",
        b"<xml></xml><xml></xml>",
        b"<root><Content>x</Content></root>",
        b"\xff\xfe<xml/>",
    ],
)
def test_malformed_xml_is_refused(raw):
    with pytest.raises(XmlError):
        parse_message(raw)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<xml><Content>&lol2;</Content></xml>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY secret SYSTEM "file:///etc/passwd">]><xml><Content>&secret;</Content></xml>"""


@pytest.mark.parametrize(
    "raw",
    [
        BILLION_LAUGHS,
        EXTERNAL_ENTITY,
        b"<!doctype xml><xml/>",
        b"<!DOCTYPE xml SYSTEM 'http://example.org/x.dtd'><xml/>",
        # A declaration hidden from a byte scan by the encoding: expat still refuses it.
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE xml [<!ENTITY a "b">]><xml>&a;</xml>'.encode("utf-16"),
    ],
)
def test_document_type_declarations_and_entities_are_refused(raw):
    with pytest.raises(XmlError):
        parse_message(raw)


def test_undeclared_entities_are_refused():
    with pytest.raises(XmlError):
        parse_message(b"<xml><Content>&undeclared;</Content></xml>")


def test_oversized_bodies_are_refused_before_parsing():
    raw = b"<xml><Content>" + b"a" * MAX_XML_BYTES + b"</Content></xml>"
    with pytest.raises(XmlError, match="larger than"):
        parse_message(raw)


def test_cdata_cannot_be_closed_by_the_text():
    assert cdata("a]]>b") == "<![CDATA[a]]]]><![CDATA[>b]]>"
    reply = text_reply("o_user", "gh_account", 1, "x]]><evil/>")
    assert parse_message(reply.encode())["Content"] == "x]]><evil/>"


def test_text_reply_round_trips():
    reply = text_reply("o_user", "gh_account", 1700000000, "你好\n1. 广东")
    assert parse_message(reply.encode()) == {
        "ToUserName": "o_user",
        "FromUserName": "gh_account",
        "CreateTime": "1700000000",
        "MsgType": "text",
        "Content": "你好\n1. 广东",
    }


def test_a_user_may_write_about_doctypes():
    raw = b"<xml><MsgType>text</MsgType><Content><![CDATA[what is <!DOCTYPE html> and <!ENTITY?]]></Content></xml>"
    assert parse_message(raw)["Content"] == "what is <!DOCTYPE html> and <!ENTITY?"


def test_a_declaration_after_the_root_start_is_still_refused():
    with pytest.raises(XmlError):
        parse_message(b"<xml><!DOCTYPE x [<!ENTITY a 'b'>]><Content>&a;</Content></xml>")
