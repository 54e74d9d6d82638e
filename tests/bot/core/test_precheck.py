"""The photo check on generated document images: every check, formats by their bytes, bombs,
truncated and corrupt files, polyglots, languages."""
from __future__ import annotations

import io
import random
import struct
import time
import zipfile
import zlib
from typing import List

import pytest
import yaml
from PIL import Image

from bot.core import precheck
from bot.core.precheck import (
    MAX_BYTES,
    MAX_PIXELS,
    PrecheckResult,
    check_image,
    sniff_format,
)
from bot.devtools.precheck_calibration import CardSpec, make_card


def card(**changes) -> bytes:
    return make_card(CardSpec(**changes))[0]


def codes(result: PrecheckResult) -> List[str]:
    return [p.code for p in result.problems]


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


@pytest.fixture(scope="module")
def clean_image() -> Image.Image:
    return make_card(CardSpec(long_side=1400, seed=3))[1]


@pytest.fixture(scope="module")
def clean_jpeg() -> bytes:
    return card(long_side=1400, seed=3)


# --- clean images ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["id", "form"])
@pytest.mark.parametrize("portrait", [False, True])
def test_a_clean_colour_photo_passes(kind: str, portrait: bool) -> None:
    data = card(kind=kind, portrait=portrait, long_side=1600, seed=11)
    result = check_image(data, "en")
    assert result.ok, result.problems
    assert (result.format, result.bytes, result.problems) == ("jpeg", len(data), ())
    assert {result.width, result.height} == {1600, round(1600 / (85.6 / 54 if kind == "id" else 297 / 210))}
    assert result.source == "Document upload requirements"
    assert result.source_anchor == "#section_t2v_rbt_zdb"


@pytest.mark.parametrize("fmt, name", [("PNG", "png"), ("GIF", "gif")])
def test_png_and_gif_are_accepted_formats(clean_image: Image.Image, fmt: str, name: str) -> None:
    result = check_image(encode(clean_image, fmt))
    assert result.format == name
    assert result.ok, result.problems


def test_to_dict_is_the_api_answer_and_holds_no_image_data(clean_jpeg: bytes) -> None:
    body = check_image(clean_jpeg, "en").to_dict()
    assert set(body) == {"ok", "format", "bytes", "width", "height", "problems", "source",
                         "source_anchor"}
    assert all(not isinstance(v, (bytes, bytearray)) for v in body.values())


# --- each quality check ------------------------------------------------------------------------


def test_blurry() -> None:
    for seed, blur in [(1, 3.0), (2, 5.0), (3, 8.0)]:
        assert codes(check_image(card(blur=blur, seed=seed))) == ["blurry"], blur
    # A slight softness (well under the calibrated band) is not called blurry.
    assert check_image(card(blur=0.5, seed=4)).ok


def test_blur_is_judged_at_the_same_scale_whatever_the_pixel_count() -> None:
    for long_side in (1024, 2400):
        assert codes(check_image(card(blur=4.0, long_side=long_side, seed=5))) == ["blurry"]
        assert check_image(card(long_side=long_side, seed=5)).ok


def test_noise_is_not_taken_for_sharpness() -> None:
    assert codes(check_image(card(blur=4.0, noise=6.0, seed=6))) == ["blurry"]


def test_dark() -> None:
    assert codes(check_image(card(gain=0.2, seed=7))) == ["dark"]
    assert check_image(card(gain=0.7, seed=7)).ok


def test_overexposed() -> None:
    assert codes(check_image(card(gain=1.9, offset=130, seed=8))) == ["overexposed"]
    assert check_image(card(gain=1.1, offset=10, seed=8)).ok


def test_exposure_problems_are_reported_alone() -> None:
    # A washed-out or dark photo cannot be judged for colour and sharpness: retake it first.
    assert codes(check_image(card(gain=1.9, offset=130, blur=5.0, grayscale=True))) == [
        "overexposed"
    ]
    assert codes(check_image(card(gain=0.15, blur=5.0))) == ["dark"]


@pytest.mark.parametrize("as_rgb", [False, True])
def test_grayscale(as_rgb: bool) -> None:
    assert codes(check_image(card(grayscale=True, gray_as_rgb=as_rgb, seed=9))) == ["grayscale"]


def test_grayscale_png_palette_and_bilevel(clean_image: Image.Image) -> None:
    gray = clean_image.convert("L")
    assert codes(check_image(encode(gray, "PNG"))) == ["grayscale"]
    assert codes(check_image(encode(gray.convert("RGB").convert("P"), "GIF"))) == ["grayscale"]
    assert "grayscale" in codes(check_image(encode(clean_image.convert("1"), "PNG")))


def test_16_bit_grayscale_png_is_scaled_not_clipped(clean_image: Image.Image) -> None:
    import numpy as np

    wide = np.asarray(clean_image.convert("L"), dtype=np.uint16) * 257  # 0-65535
    result = check_image(encode(Image.fromarray(wide), "PNG"))
    assert codes(result) == ["grayscale"]  # not "overexposed": the values were not clipped


def test_a_bug_in_the_check_is_an_unreadable_verdict(
    clean_jpeg: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(data: bytes, fmt: str) -> None:
        raise IndexError("parser bug")

    monkeypatch.setattr(precheck, "_hidden_container", broken)
    assert codes(check_image(clean_jpeg)) == ["unreadable"]


def test_a_colour_form_on_a_desk_is_colour() -> None:
    assert check_image(card(kind="form", seed=10)).ok


def test_transparent_png_is_judged_on_white(clean_image: Image.Image) -> None:
    rgba = clean_image.convert("RGBA")
    rgba.putalpha(255)
    assert check_image(encode(rgba, "PNG")).ok


@pytest.mark.parametrize("long_side, portrait", [(600, False), (700, True), (300, False)])
def test_small(long_side: int, portrait: bool) -> None:
    result = check_image(card(long_side=long_side, portrait=portrait, seed=12))
    assert codes(result)[0] == "small"
    assert f"{result.width} x {result.height}" in result.problems[0].message


def test_just_large_enough_is_not_small() -> None:
    result = check_image(card(long_side=precheck.MIN_LONG_SIDE, seed=12))
    assert result.height >= precheck.MIN_SHORT_SIDE
    assert "small" not in codes(result)


# --- size --------------------------------------------------------------------------------------


def with_comment_padding(jpeg: bytes, total: int) -> bytes:
    """The same JPEG made ``total`` bytes long with comment segments (still a valid JPEG)."""
    segments = []
    missing = total - len(jpeg)
    while missing > 0:
        payload = min(65533, max(0, missing - 4))
        segments.append(b"\xff\xfe" + struct.pack(">H", payload + 2) + b"\x20" * payload)
        missing -= payload + 4
    return jpeg[:2] + b"".join(segments) + jpeg[2:]


def test_over_4_mb_is_a_size_problem(clean_jpeg: bytes) -> None:
    data = with_comment_padding(clean_jpeg, MAX_BYTES + 200_000)
    result = check_image(data, "en")
    assert codes(result) == ["size"]
    assert "4.2 MB" in result.problems[0].message and "4 MB" in result.problems[0].message
    assert result.source == "Why can I not upload document images?"
    assert result.source_anchor == "#section_x2v_rbt_zdb"


def test_exactly_4_mb_is_fine(clean_jpeg: bytes) -> None:
    data = with_comment_padding(clean_jpeg, MAX_BYTES)
    assert len(data) == MAX_BYTES
    assert check_image(data).ok


# --- formats, by their bytes -------------------------------------------------------------------


def ftyp(*brands: bytes) -> bytes:
    box = b"ftyp" + brands[0] + b"\x00\x00\x00\x00" + b"".join(brands)
    return struct.pack(">I", len(box) + 4) + box + b"\x00" * 64


@pytest.mark.parametrize(
    "data, name",
    [
        (ftyp(b"heic", b"mif1", b"heic"), "heic"),
        (ftyp(b"mif1", b"mif1", b"heix"), "heic"),
        (ftyp(b"avif", b"mif1", b"avif"), "avif"),
        (ftyp(b"isom", b"isom", b"mp41"), "video"),
        (ftyp(b"qt  ", b"qt  "), "video"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "pdf"),
        (b"\x00\x00\x00\x0cjP  \r\n\x87\n" + b"\x00" * 20, "jpeg2000"),
        (b"\xff\x0a" + b"\x00" * 20, "jxl"),
        (b"8BPS\x00\x01" + b"\x00" * 20, "psd"),
        (b"PK\x03\x04" + b"\x00" * 26, "zip"),
        (b"<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg'/>", "svg"),
        (b"<!DOCTYPE html><html><body><img src=x></body></html>", "html"),
        (b"", "unknown"),
        (bytes(range(256)), "unknown"),
    ],
)
def test_formats_are_named_by_their_magic_bytes(data: bytes, name: str) -> None:
    assert sniff_format(data) == name
    result = check_image(data, "en")
    assert codes(result) == ["format"]
    assert result.format == name
    assert "The FAQ accepts only .jpg, .jpeg, .png and .gif" in result.problems[0].message
    assert result.source == "Why can I not upload document images?"


@pytest.mark.parametrize(
    "fmt, name, hint",
    [("WEBP", "webp", "WebP"), ("BMP", "bmp", "BMP"), ("TIFF", "tiff", "TIFF"), ("PDF", "pdf", "PDF")],
)
def test_real_files_of_other_formats(clean_image: Image.Image, fmt: str, name: str, hint: str) -> None:
    data = encode(clean_image, fmt)
    result = check_image(data, "en")
    assert result.format == name
    assert codes(result)[0] == "format"
    message = result.problems[0].message
    assert hint in message and ("JPEG" in message or "PNG" in message)  # what it is, how to convert
    if name != "pdf":
        assert (result.width, result.height) == clean_image.size  # from the header only


def test_the_file_name_plays_no_part(clean_image: Image.Image) -> None:
    # A PNG renamed .jpg is a PNG; there is no name to rename: only bytes reach the check.
    assert check_image(encode(clean_image, "PNG")).format == "png"


def test_an_over_4_mb_bmp_gets_both_problems() -> None:
    big = Image.new("RGB", (1300, 1100), (200, 120, 40))  # ~4.3 MB as BMP
    result = check_image(encode(big, "BMP"))
    assert codes(result) == ["format", "size"]


# --- unreadable: truncated, corrupt, mismatched --------------------------------------------------


def test_truncated_files_are_unreadable(clean_image: Image.Image, clean_jpeg: bytes) -> None:
    png = encode(clean_image, "PNG")
    gif = encode(clean_image, "GIF")
    for data in (clean_jpeg[: len(clean_jpeg) // 2], clean_jpeg[:-2], png[: len(png) // 2],
                 png[:-12], gif[: len(gif) // 2], clean_jpeg[:3], png[:8], gif[:6]):
        result = check_image(data, "en")
        assert codes(result) == ["unreadable"], len(data)
        assert "incomplete or damaged" in result.problems[0].message


def test_corrupt_data_after_a_valid_header_is_unreadable(clean_jpeg: bytes) -> None:
    rng = random.Random(0)
    garbage = bytes(rng.getrandbits(8) for _ in range(5000))
    assert codes(check_image(clean_jpeg[:200] + garbage + b"\xff\xd9")) == ["unreadable"]
    assert codes(check_image(b"\x89PNG\r\n\x1a\n" + garbage)) == ["unreadable"]
    assert codes(check_image(b"GIF89a" + garbage)) == ["unreadable"]


def test_magic_of_one_format_with_the_contents_of_another(
    clean_image: Image.Image, clean_jpeg: bytes
) -> None:
    png = encode(clean_image, "PNG")
    # PNG signature, JPEG body; JPEG marker, PNG body: neither decoder may take the other's data.
    assert codes(check_image(png[:8] + clean_jpeg)) == ["unreadable"]
    assert codes(check_image(b"\xff\xd8\xff\xfe\x00\x04\x00\x00" + png)) == ["unreadable"]


def test_random_damage_never_raises(clean_jpeg: bytes) -> None:
    rng = random.Random(1)
    for _ in range(40):
        data = bytearray(clean_jpeg)
        for _ in range(rng.randint(1, 30)):
            data[rng.randrange(len(data))] = rng.getrandbits(8)
        result = check_image(bytes(data), "zh")
        assert result.format == "jpeg"  # whatever the verdict, it is a verdict


# --- decompression bombs -----------------------------------------------------------------------


def png_bomb(width: int, height: int) -> bytes:
    """A 1-bit PNG of width x height zero pixels: a few hundred KB that decode to gigapixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + (width + 7) // 8)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.mark.parametrize("width, height", [(10_000, 8_000), (20_000, 20_000)])
def test_png_bombs_are_refused_before_decoding(width: int, height: int) -> None:
    data = png_bomb(width, height)
    assert len(data) < 1_000_000
    started = time.perf_counter()
    result = check_image(data, "en")
    assert time.perf_counter() - started < 5  # nothing was decoded
    assert codes(result) == ["unreadable"]
    assert f"{MAX_PIXELS // 1_000_000} megapixels" in result.problems[0].message


@pytest.mark.parametrize("side", [9_000, 30_000])
def test_jpeg_header_claiming_a_huge_image_is_refused(clean_jpeg: bytes, side: int) -> None:
    # Rewrite the frame header (SOF0) to claim side x side pixels: 81 MP is over our limit,
    # 900 MP also over Pillow's own (which refuses before telling the size).
    sof = clean_jpeg.index(b"\xff\xc0")
    data = clean_jpeg[: sof + 5] + struct.pack(">HH", side, side) + clean_jpeg[sof + 9 :]
    result = check_image(data)
    assert codes(result) == ["unreadable"]
    assert "megapixels" in result.problems[0].message
    assert result.width == (side if side * side < 2 * Image.MAX_IMAGE_PIXELS else None)


def test_gif_with_a_huge_screen_is_refused() -> None:
    gif = encode(Image.new("P", (10, 10)), "GIF")
    # The first image's own size is what Pillow reports; make both enormous.
    data = bytearray(gif)
    data[6:10] = struct.pack("<HH", 65_000, 65_000)
    descriptor = data.index(b"\x2c", 13)
    data[descriptor + 5 : descriptor + 9] = struct.pack("<HH", 65_000, 65_000)
    assert codes(check_image(bytes(data))) == ["unreadable"]


# --- polyglots ---------------------------------------------------------------------------------


def zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.html", "<p>hello</p>")
    return out.getvalue()


@pytest.mark.parametrize(
    "trailer, container",
    [
        (zip_bytes(), "ZIP archive"),
        (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "PDF"),
        (b"<html><script>alert(1)</script></html>", "HTML"),
        (b"<?php echo 1; ?>", "HTML"),
    ],
)
def test_an_image_with_a_file_appended_is_refused(
    clean_jpeg: bytes, clean_image: Image.Image, trailer: bytes, container: str
) -> None:
    for image in (clean_jpeg, encode(clean_image, "PNG"), encode(clean_image, "GIF")):
        result = check_image(image + trailer, "en")
        assert codes(result) == ["format"]
        assert container in result.problems[0].message


def test_html_inside_the_image_metadata_is_refused(clean_image: Image.Image, clean_jpeg: bytes) -> None:
    comment = b"<script>alert(document.cookie)</script>"
    jpeg = clean_jpeg[:2] + b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment + clean_jpeg[2:]
    assert codes(check_image(jpeg)) == ["format"]
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<html><body onload=x()>")
    assert codes(check_image(encode(clean_image, "PNG", pnginfo=info))) == ["format"]


def test_phone_extras_after_the_jpeg_are_fine(clean_jpeg: bytes) -> None:
    # Motion photos append an MP4 video and multi-picture files a second JPEG after the image.
    video = ftyp(b"mp42", b"isom", b"mp42") + bytes(random.Random(2).getrandbits(8) for _ in range(4000))
    assert check_image(clean_jpeg + video).ok
    assert check_image(clean_jpeg + clean_jpeg).ok


# --- messages ----------------------------------------------------------------------------------


def test_messages_are_in_the_requested_language() -> None:
    data = card(blur=5.0, grayscale=True, long_side=700, seed=13)
    english = check_image(data, "en")
    chinese = check_image(data, "zh")
    assert codes(english) == codes(chinese) == ["small", "grayscale", "blurry"]
    for en, zh in zip(english.problems, chinese.problems):
        assert en.message != zh.message
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh.message)
    assert "彩色" in chinese.problems[1].message


def test_every_message_names_the_faq_rule_in_both_languages() -> None:
    with precheck.MESSAGES_FILE.open(encoding="utf-8") as f:
        texts = yaml.safe_load(f)
    for key, message in texts["messages"].items():
        assert set(message) == {"en", "zh"}, key
        for lang in ("en", "zh"):
            assert "FAQ" in message[lang], (key, lang)
    for fmt, entry in texts["formats"].items():
        assert set(entry["name"]) == set(entry["convert"]) == {"en", "zh"}, fmt


def test_an_unknown_language_is_an_error(clean_jpeg: bytes) -> None:
    with pytest.raises(ValueError):
        check_image(clean_jpeg, "fr")
