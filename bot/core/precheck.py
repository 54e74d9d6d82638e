"""Checks a document photo against the FAQ's image rules before the applicant uploads it.

The FAQ ("Document upload requirements", "Why can I not upload document images?") asks for colour
scans or digital photos of the originals, clear, complete and valid, in .jpg/.jpeg/.png/.gif, at
most 4 MB. ``check_image`` looks at the bytes themselves (never the file name) and reports every
rule the image is likely to break, with a message in English or Chinese from
``data/precheck_messages.yml``.

Safety: the image is handled in memory only and nothing about it is logged. The format comes from
the magic bytes, and Pillow may only open the format those bytes announce. The pixel count is read
from the header and checked against ``MAX_PIXELS`` before anything is decoded (decompression
bombs). Truncated or corrupt files, and images with a ZIP archive, PDF or HTML hidden in or after
them (polyglots), are refused with a problem, never an exception.

Memory: JPEGs are decoded at a reduced scale (``Image.draft``), other formats in their own mode
and then shrunk to ``ANALYSIS_SIZE`` on the long side before any float work, so a check holds at
most about 2x the decoded image (see ``bot.bench.precheck``).

Measures (thresholds calibrated on generated cards, see docs/precheck.md and
``bot.devtools.precheck_calibration``), on the image shrunk to ``ANALYSIS_SIZE``:

- colour: the 99th percentile of the per-pixel chroma max(R,G,B) - min(R,G,B);
- sharpness: the 99.9th percentile of the absolute Laplacian of the grayscale image divided by
  its contrast (99th minus 1st percentile of luminance): text edges keep steep steps in a sharp
  image whatever the lighting and amount of text, a blur flattens them;
- exposure: the 95th percentile of luminance (even the brightest parts are dark: ``dark``); the
  2nd percentile (even the darkest parts, the text, are bright) together with the share of
  blown-out pixels (>= 250) (``overexposed``).

Colour and sharpness are judged only when the exposure is fine (``judge``).

This module must not import Rasa or Sanic.
"""
from __future__ import annotations

import io
import logging
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np
import yaml
from PIL import Image, ImageChops

from bot import settings

logger = logging.getLogger(__name__)

MESSAGES_FILE = settings.DATA_DIR / "precheck_messages.yml"
LANGUAGES = ("en", "zh")
DEFAULT_LANGUAGE = "en"

ACCEPTED_FORMATS = ("jpeg", "png", "gif")  # .jpg/.jpeg, .png, .gif in the FAQ
# "no greater than 4 MB": upload forms count a megabyte as 1024 x 1024 bytes; the smaller reading
# (4,000,000) would warn about files the form accepts, this one never passes a file it refuses.
MAX_BYTES = 4 * 1024 * 1024
# Decompression-bomb limit, checked on the header before decoding. 64 MP is above any phone photo
# saved as JPEG (and JPEGs decode at 1/8 scale here) and keeps a PNG/GIF decode under ~256 MB.
MAX_PIXELS = 64_000_000
# An ID card (85.6 x 54 mm) scanned at 240 dpi is about 810 x 510 pixels: below that its smallest
# print (about 2 mm) is under ~19 pixels high. Orientation does not matter.
MIN_LONG_SIDE = 800
MIN_SHORT_SIDE = 500
# Long side of the copy every measure runs on: bounded memory and time, and a sharpness that means
# the same whatever the camera's pixel count (averaging also tames sensor noise, which a
# Laplacian would otherwise take for detail). A document filling 512 pixels is still readable.
ANALYSIS_SIZE = 512

# Thresholds: the training-set choices of `python -m bot.devtools.precheck_calibration` (lowest
# balanced error, middle of the tied range); measures, rates and limits in docs/precheck.md.
GRAYSCALE_MAX_CHROMA = 3.25  # p99 chroma at or below this: black-and-white / grayscale
BLUR_MIN_SHARPNESS = 0.755  # p99.9 |Laplacian| / contrast below this: blurry
DARK_MAX_P95 = 105.75  # p95 luminance below this: dark
OVEREXPOSED_MIN_P2 = 122.5  # p2 luminance above this: overexposed (text washed out)...
# ...when at least this share of the image is blown out (>= 250): thin text on white paper also
# has a light p2 once shrunk, but its paper is not clipped over most of the picture.
OVEREXPOSED_MIN_CLIPPED = 0.5

_GRAY_MODES = frozenset({"1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "F"})
_PIL_FORMATS = {"jpeg": "JPEG", "png": "PNG", "gif": "GIF"}
# Formats we name but do not decode: only their header is read for the pixel size.
_HEADER_ONLY = {"webp": "WEBP", "bmp": "BMP", "tiff": "TIFF"}
# Signatures that must not appear anywhere in an accepted image: a PDF may start anywhere in its
# first kilobyte, and browsers sniff HTML in a file's first bytes. Random compressed data holds a
# given 5+ byte string with negligible probability. Searched in a lower-cased copy of the file
# (a few ms; a case-insensitive regex takes 50x longer on JPEG data).
_EMBEDDED_ANYWHERE = (
    (b"%pdf-", "pdf"),
    (b"<html", "html"),
    (b"<script", "html"),
    (b"<!doctype html", "html"),
    (b"<iframe", "html"),
    (b"<?php", "html"),
    (b"<svg", "html"),
)
# Short signatures, only looked for after the image's end marker (where phones put motion-photo
# videos and extra JPEGs, which are fine).
_EMBEDDED_TRAILER = (
    (b"pk\x03\x04", "zip"),
    (b"pk\x05\x06", "zip"),
    (b"rar!\x1a\x07", "archive"),
    (b"7z\xbc\xaf\x27\x1c", "archive"),
)


class Problem(NamedTuple):
    """One rule the image is likely to break: a ``code`` and a message for the applicant."""

    code: str
    message: str


@dataclass(frozen=True)
class Measures:
    """What the checks measured on the analysis copy (also used by the calibration tool)."""

    chroma_p99: float
    sharpness: float
    luminance_p95: float
    luminance_p2: float
    clipped: float
    gray_mode: bool


@dataclass(frozen=True)
class PrecheckResult:
    """The verdict on one image. ``ok`` is True when no problem was found."""

    ok: bool
    format: str
    bytes: int
    width: Optional[int]
    height: Optional[int]
    problems: Tuple[Problem, ...]
    source: str
    source_anchor: str

    def to_dict(self) -> Dict[str, Any]:
        """The JSON body of ``POST /webhooks/precheck``: no image data, only the verdict."""
        return {
            "ok": self.ok,
            "format": self.format,
            "bytes": self.bytes,
            "width": self.width,
            "height": self.height,
            "problems": [{"code": p.code, "message": p.message} for p in self.problems],
            "source": self.source,
            "source_anchor": self.source_anchor,
        }


# --- messages ----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _texts() -> Dict[str, Any]:
    with MESSAGES_FILE.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


def _message(key: str, lang: str, **values: Any) -> str:
    return _texts()["messages"][key][lang].format(**values)


def _format_texts(fmt: str, lang: str) -> Tuple[str, str]:
    formats = _texts()["formats"]
    entry = formats.get(fmt) or formats["unknown"]
    return entry["name"][lang], entry["convert"][lang]


# --- format sniffing ---------------------------------------------------------------------------

_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1",
                b"msf1", b"mif2"}
_AVIF_BRANDS = {b"avif", b"avis"}
_VIDEO_BRANDS = {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"qt  ", b"M4V ",
                 b"3gp4", b"3gp5", b"3g2a", b"avc1", b"dash"}


def _ftyp_format(data: bytes) -> Optional[str]:
    """ISO base media files (HEIC, AVIF, MP4, MOV): the brands of the ``ftyp`` box."""
    if data[4:8] != b"ftyp":
        return None
    size = int.from_bytes(data[0:4], "big")
    box = data[8 : max(16, min(size, 256))]
    brands = {box[0:4]} | {box[i : i + 4] for i in range(8, len(box) - 3, 4)}
    if brands & _AVIF_BRANDS:
        return "avif"
    if brands & _HEIF_BRANDS:
        return "heic"
    if brands & _VIDEO_BRANDS:
        return "video"
    return "unknown"


def sniff_format(data: bytes) -> str:
    """The file format named by the magic bytes at the start of ``data``.

    Returns:
        "jpeg", "png", "gif", "webp", "heic", "avif", "pdf", "bmp", "tiff", "jpeg2000", "jxl",
        "psd", "ico", "svg", "html", "zip", "video", or "unknown".
    """
    head = data[:64]
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    ftyp = _ftyp_format(data)
    if ftyp:
        return ftyp
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head[:2] == b"BM" and len(data) >= 26:
        return "bmp"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if head.startswith(b"\x00\x00\x00\x0cjP  \r\n\x87\n") or head.startswith(b"\xff\x4f\xff\x51"):
        return "jpeg2000"
    if head.startswith(b"\xff\x0a") or head.startswith(b"\x00\x00\x00\x0cJXL \r\n\x87\n"):
        return "jxl"
    if head.startswith(b"8BPS"):
        return "psd"
    if head.startswith(b"\x00\x00\x01\x00") or head.startswith(b"\x00\x00\x02\x00"):
        return "ico"
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip"
    text = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<svg") or (text.startswith(b"<?xml") and b"<svg" in text):
        return "svg"
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<script")):
        return "html"
    if head.startswith(b"%PDF") or b"%PDF-" in data[:1024]:
        return "pdf"
    return "unknown"


# --- where the image data ends (for polyglot checks) ------------------------------------------


def _jpeg_end(data: bytes) -> Optional[int]:
    """Offset just after the JPEG's EOI marker, or None when it is missing (truncated/corrupt)."""
    n = len(data)
    pos = 2
    while pos < n:
        if data[pos] != 0xFF:
            return None
        while pos < n and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= n:
            return None
        marker = data[pos]
        pos += 1
        if marker == 0xD9:
            return pos
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # standalone markers
            continue
        if pos + 2 > n:
            return None
        length = int.from_bytes(data[pos : pos + 2], "big")
        if length < 2:
            return None
        pos += length
        if marker == 0xDA:  # start of scan: entropy-coded data up to the next real marker
            while True:
                pos = data.find(b"\xff", pos)
                if pos < 0 or pos + 1 >= n:
                    return None
                following = data[pos + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:
                    pos += 2  # stuffed byte or restart marker: still scan data
                elif following == 0xFF:
                    pos += 1
                else:
                    break
    return None


def _png_end(data: bytes) -> Optional[int]:
    """Offset just after the PNG's IEND chunk, or None when it is missing."""
    pos = 8
    n = len(data)
    while pos + 12 <= n:
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        pos += 12 + length
        if kind == b"IEND":
            return pos if pos <= n else None
    return None


def _gif_sub_blocks(data: bytes, pos: int) -> Optional[int]:
    n = len(data)
    while pos < n:
        size = data[pos]
        pos += 1 + size
        if size == 0:
            return pos
    return None


def _gif_end(data: bytes) -> Optional[int]:
    """Offset just after the GIF's trailer byte, or None when it is missing."""
    n = len(data)
    if n < 13:
        return None
    flags = data[10]
    pos = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
    while pos < n:
        block = data[pos]
        if block == 0x3B:
            return pos + 1
        if block == 0x21:  # extension: label, then sub-blocks
            end = _gif_sub_blocks(data, pos + 2)
        elif block == 0x2C:  # image: descriptor, local colour table, LZW size, sub-blocks
            if pos + 10 > n:
                return None
            local = data[pos + 9]
            pos += 10 + (3 * 2 ** ((local & 7) + 1) if local & 0x80 else 0)
            end = _gif_sub_blocks(data, pos + 1)
        else:
            return None
        if end is None:
            return None
        pos = end
    return None


_END_FINDERS = {"jpeg": _jpeg_end, "png": _png_end, "gif": _gif_end}


def _hidden_container(data: bytes, fmt: str) -> Tuple[Optional[str], bool]:
    """(kind of container hidden in the image or None, whether the image's end marker is there)."""
    end = _END_FINDERS[fmt](data)
    lowered = data.lower()
    for signature, kind in _EMBEDDED_ANYWHERE:
        if lowered.find(signature) >= 0:
            return kind, end is not None
    if end is not None and end < len(data):
        for signature, kind in _EMBEDDED_TRAILER:
            if lowered.find(signature, end) >= 0:
                return kind, True
    return None, end is not None


# --- measures ----------------------------------------------------------------------------------


def _analysis_copy(image: Image.Image) -> Image.Image:
    """An RGB copy at most ``ANALYSIS_SIZE`` on the long side, transparency flattened on white."""
    if image.mode.startswith("I") or image.mode == "F":
        # 16-bit grayscale (PNG): 0-65535, which a plain conversion would clip to white.
        image = image.convert("I")
        if image.getextrema()[1] > 255:
            image = image.point(lambda value: value * (1 / 256))
        image = image.convert("L")
    if image.mode in ("P", "1"):
        has_alpha = image.mode == "P" and "transparency" in image.info
        image = image.convert("RGBA" if has_alpha else "RGB")
    elif image.mode in ("CMYK", "YCbCr", "LAB", "HSV"):
        image = image.convert("RGB")
    scale = ANALYSIS_SIZE / max(image.size)
    if scale < 1:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        # reducing_gap: box-reduce by an integer factor first (fast, exact), then resample.
        image = image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    if image.mode in ("RGBA", "LA", "La", "RGBa", "PA"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    return image.convert("RGB")


def _percentile(histogram: Sequence[int], q: float) -> float:
    """The smallest value with at least ``q`` percent of the counts at or below it."""
    cumulative = np.cumsum(histogram)
    return float(np.searchsorted(cumulative, cumulative[-1] * q / 100.0, side="left"))


def measure(image: Image.Image, gray_mode: bool = False) -> Measures:
    """Colour, sharpness and exposure measures of a decoded image (see the module docstring).

    Percentiles come from histograms (Pillow's, in C) rather than sorting: a few ms per image.

    Args:
        image: A decoded image of any size and mode.
        gray_mode: The file itself is grayscale (its mode before any conversion).
    """
    small = _analysis_copy(image)
    red, green, blue = small.split()
    brightest = ImageChops.lighter(ImageChops.lighter(red, green), blue)
    darkest = ImageChops.darker(ImageChops.darker(red, green), blue)
    chroma_p99 = _percentile(ImageChops.subtract(brightest, darkest).histogram(), 99)
    gray_image = small.convert("L")
    histogram = gray_image.histogram()
    p1, p2, p95, p99 = (_percentile(histogram, q) for q in (1, 2, 95, 99))
    clipped = sum(histogram[250:]) / max(sum(histogram), 1)
    gray = np.asarray(gray_image, dtype=np.int16)
    if gray.shape[0] >= 3 and gray.shape[1] >= 3:
        laplacian = (
            gray[1:-1, :-2] + gray[1:-1, 2:] + gray[:-2, 1:-1] + gray[2:, 1:-1]
            - 4 * gray[1:-1, 1:-1]
        )
        peak = _percentile(np.bincount(np.abs(laplacian).ravel(), minlength=1021), 99.9)
    else:
        peak = 0.0
    contrast = max(p99 - p1, 1.0)
    return Measures(
        chroma_p99=chroma_p99,
        sharpness=peak / contrast,
        luminance_p95=p95,
        luminance_p2=p2,
        clipped=clipped,
        gray_mode=gray_mode,
    )


def judge(m: Measures) -> List[str]:
    """The codes of the quality problems the measures show, in the order they are reported.

    Colour and sharpness are judged only on a well-exposed image: on a washed-out or very dark
    photo nearly every pixel has the same value, so both measures collapse (retaking it in good
    light, as the exposure message asks, is the fix anyway).
    """
    if m.luminance_p95 < DARK_MAX_P95:
        return ["dark"]
    if m.luminance_p2 > OVEREXPOSED_MIN_P2 and m.clipped >= OVEREXPOSED_MIN_CLIPPED:
        return ["overexposed"]
    codes = []
    if m.gray_mode or m.chroma_p99 <= GRAYSCALE_MAX_CHROMA:
        codes.append("grayscale")
    if m.sharpness < BLUR_MIN_SHARPNESS:
        codes.append("blurry")
    return codes


def _quality_problems(m: Measures, lang: str) -> List[Problem]:
    return [Problem(code, _message(code, lang)) for code in judge(m)]


def _decode_and_measure(image: Image.Image) -> Measures:
    """Decodes an opened (header-only) image, at reduced scale for JPEG, and measures it."""
    gray_mode = image.mode in _GRAY_MODES
    if image.format == "JPEG":
        # Decode at 1/2, 1/4 or 1/8 scale, the smallest that still covers the analysis size:
        # a fraction of the time and memory of a full decode.
        scale = ANALYSIS_SIZE / max(image.size)
        if scale < 1:
            image.draft(
                image.mode, (math.ceil(image.width * scale), math.ceil(image.height * scale))
            )
    image.load()
    return measure(image, gray_mode=gray_mode)


def measure_bytes(data: bytes) -> Measures:
    """Measures of an image file exactly as ``check_image`` takes them (for calibration).

    Raises:
        Exception: whatever Pillow raises for a file it cannot decode.
    """
    with Image.open(io.BytesIO(data), formats=list(_PIL_FORMATS.values())) as image:
        return _decode_and_measure(image)


# --- the check ---------------------------------------------------------------------------------


def _header_size(data: bytes, fmt: str) -> Tuple[Optional[int], Optional[int]]:
    """Pixel size of a format we name but do not decode, from its header only."""
    try:
        if fmt in _HEADER_ONLY:
            with Image.open(io.BytesIO(data), formats=[_HEADER_ONLY[fmt]]) as image:
                return image.size
        if fmt in ("heic", "avif"):
            try:
                import pillow_heif  # optional: names the size of HEIC/AVIF photos
            except ImportError:
                return None, None
            heif = pillow_heif.open_heif(io.BytesIO(data), convert_hdr_to_8bit=True)
            return heif.size
    except Exception:  # a broken header only costs the size, the format verdict stands
        return None, None
    return None, None


def _source(problems: List[Problem]) -> Tuple[str, str]:
    # Format and size alone are what "Why can I not upload document images?" is about; any other
    # verdict (including ok) rests on "Document upload requirements".
    only_upload = problems and all(p.code in ("format", "size") for p in problems)
    source = _texts()["sources"]["cannot_upload" if only_upload else "requirements"]
    return source["title"], source["anchor"]


def _result(
    fmt: str, size: int, width: Optional[int], height: Optional[int], problems: List[Problem]
) -> PrecheckResult:
    title, anchor = _source(problems)
    return PrecheckResult(
        ok=not problems,
        format=fmt,
        bytes=size,
        width=width,
        height=height,
        problems=tuple(problems),
        source=title,
        source_anchor=anchor,
    )


def _size_problem(size: int, lang: str) -> Problem:
    return Problem(
        "size",
        _message(
            "size", lang, size_mb=f"{size / (1024 * 1024):.1f}", limit_mb=MAX_BYTES // (1024 * 1024)
        ),
    )


def check_image(data: bytes, lang: str = DEFAULT_LANGUAGE) -> PrecheckResult:
    """Checks one image file against the FAQ's image rules.

    Args:
        data: The file's bytes (the whole file; nothing is read from disk).
        lang: "en" or "zh", the language of the problem messages.

    Returns:
        The verdict. Never raises for any content of ``data``.

    Raises:
        ValueError: ``lang`` is not a supported language.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}")
    fmt = sniff_format(data)
    try:
        return _check(data, fmt, lang)
    except Exception as error:  # a file that breaks our own parsing cannot be read either
        logger.warning("Photo check: %s file failed the check (%s)", fmt, type(error).__name__)
        unreadable = Problem("unreadable", _message("unreadable", lang))
        return _result(fmt, len(data), None, None, [unreadable])


def _check(data: bytes, fmt: str, lang: str) -> PrecheckResult:
    size = len(data)
    problems: List[Problem] = []
    if fmt not in ACCEPTED_FORMATS:
        name, convert = _format_texts(fmt, lang)
        message = _message("format", lang, format_name=name, convert=convert)
        problems.append(Problem("format", message))
        if size > MAX_BYTES:
            problems.append(_size_problem(size, lang))
        width, height = _header_size(data, fmt)
        return _result(fmt, size, width, height, problems)

    if size > MAX_BYTES:
        problems.append(_size_problem(size, lang))
    container, complete = _hidden_container(data, fmt)
    if container is not None:
        problems.insert(
            0,
            Problem(
                "format",
                _message("polyglot", lang, container=_texts()["containers"][container][lang]),
            ),
        )
        return _result(fmt, size, None, None, problems)
    if not complete:
        problems.append(Problem("unreadable", _message("unreadable", lang)))
        return _result(fmt, size, None, None, problems)

    width: Optional[int] = None
    height: Optional[int] = None
    try:
        with Image.open(io.BytesIO(data), formats=[_PIL_FORMATS[fmt]]) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                problems.append(
                    Problem(
                        "unreadable",
                        _message(
                            "too_many_pixels",
                            lang,
                            width=width,
                            height=height,
                            max_megapixels=MAX_PIXELS // 1_000_000,
                        ),
                    )
                )
                return _result(fmt, size, width, height, problems)
            measures = _decode_and_measure(image)
    except Image.DecompressionBombError:
        # Pillow's own limit (far above ours) refused it while reading the header: no size.
        problems.append(
            Problem(
                "unreadable",
                _message(
                    "too_many_pixels_unknown", lang, max_megapixels=MAX_PIXELS // 1_000_000
                ),
            )
        )
        return _result(fmt, size, width, height, problems)
    except Exception as error:  # truncated, corrupt, or a mismatch between magic and content
        # The type only: a message could quote bytes of the image.
        logger.info("Photo check: %s image not decodable (%s)", fmt, type(error).__name__)
        problems.append(Problem("unreadable", _message("unreadable", lang)))
        return _result(fmt, size, width, height, problems)

    if min(width, height) < MIN_SHORT_SIDE or max(width, height) < MIN_LONG_SIDE:
        problems.append(
            Problem(
                "small",
                _message(
                    "small",
                    lang,
                    width=width,
                    height=height,
                    min_long=MIN_LONG_SIDE,
                    min_short=MIN_SHORT_SIDE,
                ),
            )
        )
    problems.extend(_quality_problems(measures, lang))
    return _result(fmt, size, width, height, problems)

