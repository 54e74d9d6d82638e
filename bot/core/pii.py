"""Personal data in user messages: found and masked before anything is stored or logged.

Applicants paste the numbers of the documents they are uploading into the chat. The channels
pass every user message through :func:`mask` before it reaches Rasa, so the tracker store, the
logs, feedback, reports and the agent console only ever see the masked form. What is masked:

- resident identity card numbers: 17 digits and a check character (digit or X) that matches the
  ISO 7064 MOD 11-2 checksum of GB 11643 (numbers that fail the checksum are left alone, so
  order or reference numbers of 18 digits are not hidden by accident);
- Hong Kong / Macao / Taiwan permits: residence permits (居住证: identity card numbers with the
  prefixes 810000, 820000, 830000), Home Return Permits (H or M and 8 to 10 digits) and, when
  the message speaks of a Taiwan compatriot permit (台胞证, MTP), its 8-digit number;
- passport numbers: a letter and 8 digits (Chinese passports: E or G and 8 digits, or E, a
  letter and 7 digits);
- mainland mobile numbers: 1[3-9] and 9 more digits, optionally with +86 / 0086 / 86 and
  spaces or hyphens in the usual 3-4-4 groups;
- e-mail addresses.

Each match is replaced by a label in the language of the rest of the message (``[身份证号]``,
``[mobile number]``, from ``data/channel_messages.yml``), or by ``[***]`` when the message is
nothing but the number, so masking never changes the language the bot answers in.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence, Text, Tuple

from bot.core.channel_messages import LANGUAGE_SEPARATOR, channel_text

ID_CARD = "id_card"
PERMIT = "permit"
PASSPORT = "passport"
MOBILE = "mobile"
EMAIL = "email"
#: Replaces a number when the message has no other words to take a language from.
NEUTRAL_MASK = "[***]"
NOTE_KEY = "pii_masked"

# A number must not be part of a longer run of letters or digits ("ICP12345678" is not a
# passport, the middle of a 20-digit order number is not a mobile number).
_NOT_AFTER = r"(?<![0-9A-Za-z])"
_NOT_BEFORE = r"(?![0-9A-Za-z])"

_EMAIL = re.compile(r"(?<![\w.%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}", re.ASCII)
_EIGHTEEN = re.compile(_NOT_AFTER + r"\d{17}[\dXx]" + _NOT_BEFORE)
_HOME_RETURN_PERMIT = re.compile(_NOT_AFTER + r"[HMhm]\d{8,10}" + _NOT_BEFORE)
_PASSPORT = re.compile(_NOT_AFTER + r"(?:[A-Za-z]\d{8}|[Ee][A-Za-z]\d{7})" + _NOT_BEFORE)
_MOBILE = re.compile(
    r"(?<![\d+])(?:(?:\+|00)?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)"
)
_EIGHT_DIGITS = re.compile(r"(?<!\d)\d{8}(?!\d)")
# Words that make a bare 8-digit number a Taiwan compatriot permit (台湾居民来往大陆通行证).
_TAIWAN_PERMIT_WORDS = re.compile(
    r"台胞证|台胞證|台湾居民来往大陆通行证|台湾通行证|\bMTP\b|taiwan compatriot|mainland travel permit",
    re.IGNORECASE,
)
_RESIDENCE_PERMIT_PREFIXES = ("810000", "820000", "830000")
_IDEOGRAPH = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LETTER = re.compile(r"[^\W\d_]")
_MASK_LABEL = re.compile(r"\[[^\[\]]*\]")

# GB 11643 weights of the first 17 digits and the check character for each remainder mod 11.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def id_checksum_ok(number: Text) -> bool:
    """Whether an 18-character number has a valid ISO 7064 MOD 11-2 check character.

    Args:
        number: 17 digits and a digit or X.
    """
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(digit) * weight for digit, weight in zip(number[:17], _WEIGHTS))
    return _CHECK[total % 11] == number[17].upper()


@dataclass(frozen=True)
class Masked:
    """A message with its personal data masked.

    Attributes:
        text: The message with every number or address replaced by a label.
        kinds: What was masked, each kind once (in the order the kinds are looked for).
    """

    text: Text
    kinds: Tuple[Text, ...]

    @property
    def changed(self) -> bool:
        """Whether anything was masked."""
        return bool(self.kinds)


def _eighteen_kind(match: "re.Match[str]", _text: Text) -> Optional[Text]:
    number = match.group()
    if not id_checksum_ok(number):
        return None
    return PERMIT if number.startswith(_RESIDENCE_PERMIT_PREFIXES) else ID_CARD


def _always(kind: Text) -> Callable[["re.Match[str]", Text], Optional[Text]]:
    return lambda _match, _text: kind


def _taiwan_permit(_match: "re.Match[str]", text: Text) -> Optional[Text]:
    return PERMIT if _TAIWAN_PERMIT_WORDS.search(text) else None


# (pattern, kind of a match or None to leave it), tried in this order on what is left.
_FINDERS: Sequence[Tuple["re.Pattern[str]", Callable[["re.Match[str]", Text], Optional[Text]]]] = (
    (_EMAIL, _always(EMAIL)),
    (_EIGHTEEN, _eighteen_kind),
    (_HOME_RETURN_PERMIT, _always(PERMIT)),
    (_PASSPORT, _always(PASSPORT)),
    (_MOBILE, _always(MOBILE)),
    (_EIGHT_DIGITS, _taiwan_permit),
)


def _label_language(text: Text) -> Optional[Text]:
    """The language of the words around the masked numbers: zh, en, or None when there are none."""
    rest = _MASK_LABEL.sub(" ", text)
    if _IDEOGRAPH.search(rest):
        return "zh"
    if _LETTER.search(rest):
        return "en"
    return None


def mask(text: Text) -> Masked:
    """Masks identity card, permit, passport and mobile numbers and e-mail addresses.

    Args:
        text: A user message.

    Returns:
        The masked message and the kinds of data found.
    """
    placeholder = "\x00{}\x00"  # no user message contains NUL: the channels remove it first
    found: List[Text] = []
    original = text
    for pattern, kind_of in _FINDERS:

        def replace(match: "re.Match[str]") -> Text:
            kind = kind_of(match, original)
            if kind is None:
                return match.group()
            found.append(kind)
            return placeholder.format(kind)

        text = pattern.sub(replace, text)
    if not found:
        return Masked(original, ())
    language = _label_language(re.sub("\x00[a-z_]+\x00", " ", text))
    for kind in set(found):
        label = channel_text(f"pii_{kind}", language) if language else NEUTRAL_MASK
        text = text.replace(placeholder.format(kind), label)
    return Masked(text, tuple(dict.fromkeys(found)))


def note(kinds: Sequence[Text], language: Optional[Text]) -> Text:
    """The note telling the user what was hidden, in their language (every language if unknown).

    Args:
        kinds: What was masked (:attr:`Masked.kinds`).
        language: "en", "zh", or None.
    """
    languages = [language] if language in ("en", "zh") else ["en", "zh"]
    notes = []
    for lang in languages:
        separator = "、" if lang == "zh" else ", "
        labels = separator.join(channel_text(f"pii_{kind}", lang).strip("[]") for kind in kinds)
        notes.append(channel_text(NOTE_KEY, lang, kinds=labels))
    return LANGUAGE_SEPARATOR.join(notes)
