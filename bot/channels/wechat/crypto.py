"""Signatures and message encryption of the WeChat Official Account platform.

The platform signs every request with a SHA-1 over the sorted concatenation of the server
token, the request's ``timestamp`` and ``nonce`` (and, in safe mode, the ``Encrypt`` ciphertext,
giving ``msg_signature``). In safe mode message bodies are encrypted as the platform's
WXBizMsgCrypt samples do:

- key: the 43-character EncodingAESKey, base64-decoded after appending "=" (32 bytes, AES-256);
- AES-256-CBC, IV = the first 16 bytes of the key, PKCS#7 padding to a multiple of 32 bytes
  (not AES's 16: the platform's own choice);
- plaintext: 16 random bytes, the message length as 4 bytes in network order, the message
  (UTF-8), then the AppID, which the receiver checks.

No Rasa here: the simulator and the tests use this module alone.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct
from typing import Optional, Text

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK_SIZE = 32
RANDOM_BYTES = 16
KEY_CHARS = 43


class SignatureError(Exception):
    """A request's signature does not match: it does not come from the platform."""


class DecryptError(Exception):
    """A ciphertext that cannot be ours: bad base64, bad padding, bad length or wrong AppID."""


def signature(token: Text, timestamp: Text, nonce: Text, encrypted: Optional[Text] = None) -> Text:
    """The platform's signature: SHA-1 (hex) of the sorted, concatenated parts.

    Args:
        token: The server token set on the platform.
        timestamp: The request's ``timestamp`` query parameter.
        nonce: The request's ``nonce`` query parameter.
        encrypted: The ``Encrypt`` ciphertext, for ``msg_signature`` in safe mode.
    """
    parts = [token, timestamp, nonce] + ([encrypted] if encrypted is not None else [])
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def check_signature(
    expected: Optional[Text],
    token: Text,
    timestamp: Optional[Text],
    nonce: Optional[Text],
    encrypted: Optional[Text] = None,
) -> None:
    """Raises ``SignatureError`` unless ``expected`` is the signature of the other parts.

    The comparison takes constant time, so the signature cannot be guessed byte by byte.
    """
    if not expected or timestamp is None or nonce is None:
        raise SignatureError("signature, timestamp or nonce missing")
    actual = signature(token, timestamp, nonce, encrypted)
    if not hmac.compare_digest(actual, expected.lower()):
        raise SignatureError("signature mismatch")


def aes_key(encoding_aes_key: Text) -> bytes:
    """The 32-byte AES key of a 43-character EncodingAESKey.

    Raises:
        ValueError: the EncodingAESKey is not 43 base64 characters.
    """
    if len(encoding_aes_key) != KEY_CHARS:
        raise ValueError(f"EncodingAESKey must have {KEY_CHARS} characters")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except binascii.Error as error:
        raise ValueError("EncodingAESKey is not base64") from error
    if len(key) != 32:
        raise ValueError("EncodingAESKey does not decode to 32 bytes")
    return key


class MessageCrypto:
    """Encrypts and decrypts message bodies for one Official Account (WXBizMsgCrypt format)."""

    def __init__(self, token: Text, encoding_aes_key: Text, app_id: Text) -> None:
        """Creates the crypto of an account.

        Args:
            token: The server token.
            encoding_aes_key: The 43-character EncodingAESKey.
            app_id: The account's AppID, written into and checked in every message.

        Raises:
            ValueError: the EncodingAESKey is malformed.
        """
        self.token = token
        self.app_id = app_id
        self._key = aes_key(encoding_aes_key)

    def _cipher(self) -> Cipher:
        return Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16]))

    def encrypt(self, message: Text, random_prefix: Optional[bytes] = None) -> Text:
        """Encrypts a message; returns the base64 ciphertext.

        Args:
            message: The plaintext XML.
            random_prefix: 16 bytes to start the plaintext with; random when omitted (fixed
                only in known-answer tests).
        """
        prefix = random_prefix if random_prefix is not None else os.urandom(RANDOM_BYTES)
        if len(prefix) != RANDOM_BYTES:
            raise ValueError(f"random_prefix must have {RANDOM_BYTES} bytes")
        body = message.encode("utf-8")
        plain = prefix + struct.pack(">I", len(body)) + body + self.app_id.encode("utf-8")
        padding = BLOCK_SIZE - len(plain) % BLOCK_SIZE
        plain += bytes([padding]) * padding
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode("ascii")

    def decrypt(self, encrypted: Text) -> Text:
        """Decrypts a base64 ciphertext and checks its AppID; returns the plaintext XML.

        Raises:
            DecryptError: the ciphertext is malformed or was made for another AppID.
        """
        try:
            raw = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError) as error:
            raise DecryptError("ciphertext is not base64") from error
        if not raw or len(raw) % 16:
            raise DecryptError("ciphertext length is not a multiple of the AES block")
        decryptor = self._cipher().decryptor()
        plain = decryptor.update(raw) + decryptor.finalize()
        padding = plain[-1]
        if not 1 <= padding <= BLOCK_SIZE or plain[-padding:] != bytes([padding]) * padding:
            raise DecryptError("bad padding")
        plain = plain[:-padding]
        if len(plain) < RANDOM_BYTES + 4:
            raise DecryptError("plaintext too short")
        (length,) = struct.unpack(">I", plain[RANDOM_BYTES : RANDOM_BYTES + 4])
        start = RANDOM_BYTES + 4
        if start + length > len(plain):
            raise DecryptError("message length exceeds the plaintext")
        body, app_id = plain[start : start + length], plain[start + length :]
        if not hmac.compare_digest(app_id, self.app_id.encode("utf-8")):
            raise DecryptError("message is for another AppID")
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise DecryptError("message is not UTF-8") from error

    def sign(self, timestamp: Text, nonce: Text, encrypted: Text) -> Text:
        """The ``msg_signature`` of a ciphertext."""
        return signature(self.token, timestamp, nonce, encrypted)
