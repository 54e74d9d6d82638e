"""Signatures and message encryption against the platform's published sample vectors.

The vectors are those of the platform's WXBizMsgCrypt sample code (Python and Java samples):
a token, EncodingAESKey, AppID, timestamp and nonce with the expected ``msg_signature`` and
ciphertext. The AES key of every sample is "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG".
"""

from __future__ import annotations

import base64
import hashlib

import pytest

from bot.channels.wechat.crypto import (
    DecryptError,
    MessageCrypto,
    SignatureError,
    aes_key,
    check_signature,
    signature,
)

SAMPLE_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"

# Python sample: a message received from the platform, to verify and decrypt.
PY_TOKEN = "spamtest"
PY_APP_ID = "wx2c2769f8efd9abc2"
PY_TIMESTAMP = "1409735669"
PY_NONCE = "1320562132"
PY_MSG_SIGNATURE = "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
PY_ENCRYPT = (
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PG"
    "HQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6"
    "tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp"
    "3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhv"
    "Ql+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="
)
PY_PLAINTEXT = (
    "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>\n"
    "<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>\n"
    "<CreateTime>1409735668</CreateTime>\n"
    "<MsgType><![CDATA[text]]></MsgType>\n"
    "<Content><![CDATA[abcdteT]]></Content>\n"
    "<MsgId>6054768590064713728</MsgId>\n"
    "</xml>"
)

# Java sample: encryption with a fixed random prefix, so the ciphertext is known.
JAVA_TOKEN = "pamtest"
JAVA_APP_ID = "wxb11529c136998cb6"
JAVA_RANDOM = b"aaaabbbbccccdddd"
JAVA_REPLY = "我是中文abcd123"
JAVA_ENCRYPTED = (
    "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="
)
JAVA_REPLY_2 = (
    "<xml><ToUserName><![CDATA[oia2Tj我是中文jewbmiOUlr6X-1crbLOvLw]]></ToUserName>"
    "<FromUserName><![CDATA[gh_7f083739789a]]></FromUserName><CreateTime>1407743423</CreateTime>"
    "<MsgType><![CDATA[video]]></MsgType><Video><MediaId><![CDATA[eYJ1MbwPRJtOvIEabaxHs7TX2D-HV71s7"
    "9GUxqdUkjm6Gs2Ed1KF3ulAOA9H1xG0]]></MediaId><Title><![CDATA[testCallBackReplyVideo]]></Title>"
    "<Description><![CDATA[testCallBackReplyVideo]]></Description></Video></xml>"
)
JAVA_ENCRYPTED_2 = (
    "jn1L23DB+6ELqJ+6bruv23M2GmYfkv0xBh2h+XTBOKVKcgDFHle6gqcZ1cZrk3e1qjPQ1F4RsLWzQRG9udbKWesxlkup"
    "qcEcW7ZQweImX9+wLMa0GaUzpkycA8+IamDBxn5loLgZpnS7fVAbExOkK5DYHBmv5tptA9tklE/fTIILHR8HLXa5nQvF"
    "b3tYPKAlHF3rtTeayNf0QuM+UW/wM9enGIDIJHF7CLHiDNAYxr+r+OrJCmPQyTy8cVWlu9iSvOHPT/77bZqJucQHQ04s"
    "q7KZI27OcqpQNSto2OdHCoTccjggX5Z9Mma0nMJBU+jLKJ38YB1fBIz+vBzsYjrTmFQ44YfeEuZ+xRTQwr92vhA9Oxch"
    "WVINGC50qE/6lmkwWTwGX9wtQpsJKhP+oS7rvTY8+VdzETdfakjkwQ5/Xka042OlUb1/slTwo4RscuQ+RdxSGvDahxAJ"
    "6+EAjLt9d8igHngxIbf6YyqqROxuxqIeIch3CssH/LqRs+iAcILvApYZckqmA7FNERspKA5f8GoJ9sv8xmGvZ9Yrf57c"
    "ExWtnX8aCMMaBropU/1k+hKP5LVdzbWCG0hGwx/dQudYR/eXp3P0XxjlFiy+9DMlaFExWUZQDajPkdPrEeOwofJb"
)


def test_msg_signature_of_the_sample():
    assert signature(PY_TOKEN, PY_TIMESTAMP, PY_NONCE, PY_ENCRYPT) == PY_MSG_SIGNATURE
    check_signature(PY_MSG_SIGNATURE, PY_TOKEN, PY_TIMESTAMP, PY_NONCE, PY_ENCRYPT)
    check_signature(PY_MSG_SIGNATURE.upper(), PY_TOKEN, PY_TIMESTAMP, PY_NONCE, PY_ENCRYPT)


def test_url_signature_is_sha1_of_the_sorted_parts():
    # Derived by hand: sorted("token", "1409735669", "nonce") = 1409735669, nonce, token.
    expected = hashlib.sha1(b"1409735669noncetoken").hexdigest()
    assert signature("token", "1409735669", "nonce") == expected


@pytest.mark.parametrize(
    "expected, timestamp, nonce, encrypted",
    [
        ("0" * 40, PY_TIMESTAMP, PY_NONCE, PY_ENCRYPT),
        (PY_MSG_SIGNATURE, "1409735670", PY_NONCE, PY_ENCRYPT),
        (PY_MSG_SIGNATURE, PY_TIMESTAMP, PY_NONCE, PY_ENCRYPT[:-4] + "AAA="),
        (None, PY_TIMESTAMP, PY_NONCE, PY_ENCRYPT),
        ("", PY_TIMESTAMP, PY_NONCE, PY_ENCRYPT),
        (PY_MSG_SIGNATURE, None, PY_NONCE, PY_ENCRYPT),
        (PY_MSG_SIGNATURE, PY_TIMESTAMP, None, PY_ENCRYPT),
    ],
)
def test_wrong_or_missing_signatures_are_refused(expected, timestamp, nonce, encrypted):
    with pytest.raises(SignatureError):
        check_signature(expected, PY_TOKEN, timestamp, nonce, encrypted)


def test_sample_message_decrypts():
    crypto = MessageCrypto(PY_TOKEN, SAMPLE_KEY, PY_APP_ID)
    assert crypto.decrypt(PY_ENCRYPT) == PY_PLAINTEXT


@pytest.mark.parametrize("reply, encrypted", [(JAVA_REPLY, JAVA_ENCRYPTED), (JAVA_REPLY_2, JAVA_ENCRYPTED_2)])
def test_sample_encryption_with_a_fixed_random_prefix(reply, encrypted):
    crypto = MessageCrypto(JAVA_TOKEN, SAMPLE_KEY, JAVA_APP_ID)
    assert crypto.encrypt(reply, random_prefix=JAVA_RANDOM) == encrypted
    assert crypto.decrypt(encrypted) == reply


def test_round_trip_with_random_prefix_pads_to_32_bytes():
    crypto = MessageCrypto("t", SAMPLE_KEY, "wx0123456789abcdef")
    for length in range(0, 70):
        message = "x" * length
        encrypted = crypto.encrypt(message)
        assert len(base64.b64decode(encrypted)) % 32 == 0
        assert crypto.decrypt(encrypted) == message
    assert crypto.encrypt("same") != crypto.encrypt("same")  # random prefix


def test_key_derivation():
    key = aes_key(SAMPLE_KEY)
    assert len(key) == 32 and key == base64.b64decode(SAMPLE_KEY + "=")


@pytest.mark.parametrize("bad_key", ["", SAMPLE_KEY[:-1], SAMPLE_KEY + "H", SAMPLE_KEY[:-1] + "!"])
def test_malformed_keys_are_refused(bad_key):
    with pytest.raises(ValueError):
        MessageCrypto("t", bad_key, "wx1")


def test_a_message_for_another_app_id_is_refused():
    crypto = MessageCrypto(PY_TOKEN, SAMPLE_KEY, "wx0000000000000000")
    with pytest.raises(DecryptError, match="another AppID"):
        crypto.decrypt(PY_ENCRYPT)


@pytest.mark.parametrize(
    "ciphertext",
    ["", "not base64!", base64.b64encode(b"short").decode(), base64.b64encode(bytes(32)).decode()],
)
def test_garbage_ciphertexts_are_refused(ciphertext):
    crypto = MessageCrypto(PY_TOKEN, SAMPLE_KEY, PY_APP_ID)
    with pytest.raises(DecryptError):
        crypto.decrypt(ciphertext)
