"""Generated document photos for the photo check, and the calibration of its thresholds.

``make_card`` draws a document-like card (an ID card or a printed form on a desk) with text,
coloured elements and optionally a photo's defects: blur, dark or bright exposure, grayscale,
sensor noise, JPEG compression, a small pixel size. Tests use it to build images with a known
defect; ``python -m bot.devtools.precheck_calibration`` uses it to pick the thresholds of
``bot.core.precheck``:

1. a training set and a held-out set (different seeds) of random cards, each labelled with the
   defects it was given; a band of borderline cases between the "clean" and "defective" ranges
   is left out of the labels (e.g. blur radii between 0.8 and 2.5 pixels at 1024), and colour
   and sharpness are labelled on well-exposed cards only, as the check judges them;
2. every card is encoded (JPEG or PNG) and measured with ``bot.core.precheck.measure_bytes``,
   the same decode and measures as the check itself;
3. per measure, the threshold with the lowest balanced error (mean of false-positive and
   false-negative rates) on the training set, then both rates on the held-out set, for the
   suggested threshold and for the one in ``bot.core.precheck``.

Output: a Markdown table (``--markdown``) as written in docs/precheck.md.
"""
from __future__ import annotations

import argparse
import io
import random
import string
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from bot.core import precheck

ID_CARD_RATIO = 85.6 / 54.0
A4_RATIO = 297.0 / 210.0

_PASTELS = [(214, 232, 246), (226, 240, 222), (246, 228, 232), (244, 238, 214), (232, 226, 246)]
_INKS = [(20, 20, 24), (30, 34, 60), (40, 30, 30)]
_ACCENTS = [(200, 30, 40), (30, 80, 170), (20, 120, 70), (180, 120, 20)]
_DESKS = [(120, 86, 60), (70, 74, 80), (150, 150, 145), (60, 90, 120), (190, 170, 140)]
_FONT_CACHE: Dict[int, ImageFont.FreeTypeFont] = {}
# Blur radii are given for the card drawn this many pixels long (a phone photo scaled to fit a
# laptop screen): below 0.8 text edges look crisp, from 2.5 on the text is visibly soft.
BLUR_UNIT_SIDE = 1024
SHARP_MAX_BLUR = 0.8
BLURRY_MIN_BLUR = 2.5


@dataclass(frozen=True)
class CardSpec:
    """How to draw and degrade one card. The blur radius is in ``BLUR_UNIT_SIDE`` pixels."""

    long_side: int = 1600
    kind: str = "id"  # "id": colour ID card filling the frame; "form": printed form on a desk
    portrait: bool = False
    blur: float = 0.0
    gain: float = 1.0  # brightness multiplier (<1 dark, >1 bright, clipped)
    offset: float = 0.0  # added after the gain (over-exposure lifts the blacks)
    grayscale: bool = False
    gray_as_rgb: bool = False  # a grayscale image saved with three equal channels
    noise: float = 2.0  # sensor noise standard deviation, added after blur (as in a camera)
    image_format: str = "JPEG"
    quality: int = 88
    seed: int = 0


def _font(size: int) -> ImageFont.FreeTypeFont:
    if size not in _FONT_CACHE:
        _FONT_CACHE[size] = ImageFont.load_default(size=size)
    return _FONT_CACHE[size]


def _words(rng: random.Random, n: int) -> str:
    return " ".join(
        "".join(
            rng.choice(string.ascii_uppercase + string.digits) for _ in range(rng.randint(2, 9))
        )
        for _ in range(n)
    )


def _draw_card(spec: CardSpec, rng: random.Random) -> Image.Image:
    long_side = spec.long_side
    ratio = ID_CARD_RATIO if spec.kind == "id" else A4_RATIO
    width, height = long_side, round(long_side / ratio)
    if spec.portrait:
        width, height = height, width
    if spec.kind == "id":
        card = Image.new("RGB", (width, height), rng.choice(_PASTELS))
        draw = ImageDraw.Draw(card)
        accent = rng.choice(_ACCENTS)
        draw.rectangle([0, 0, width, height // 9], fill=accent)
        # A portrait photo: skin, hair and a shirt.
        px, py = round(width * 0.68), round(height * 0.22)
        pw, ph = round(width * 0.25), round(height * 0.6)
        draw.rectangle([px, py, px + pw, py + ph], fill=(236, 240, 244))
        draw.ellipse([px + pw * 0.25, py + ph * 0.12, px + pw * 0.75, py + ph * 0.6],
                     fill=(224, 180, 150))
        draw.ellipse([px + pw * 0.22, py + ph * 0.05, px + pw * 0.78, py + ph * 0.3],
                     fill=(30, 24, 20))
        draw.rectangle([px + pw * 0.1, py + ph * 0.72, px + pw * 0.9, py + ph], fill=accent)
        left, top, right = round(width * 0.05), round(height * 0.2), px - round(width * 0.03)
    else:
        desk = rng.choice(_DESKS)
        card = Image.new("RGB", (width, height), desk)
        draw = ImageDraw.Draw(card)
        margin = round(min(width, height) * 0.06)
        paper = tuple(min(255, c + rng.randint(-6, 4)) for c in (250, 248, 242))
        draw.rectangle([margin, margin, width - margin, height - margin], fill=paper)
        left, top, right = margin * 2, margin * 2, width - margin * 2
        # The seal of an organisation, in red.
        cx, cy, r = right - margin * 2, height - margin * 4, margin * 1.3
        draw.ellipse(
            [cx - r, cy - r, cx + r, cy + r], outline=(200, 30, 40), width=max(2, margin // 8)
        )
    ink = rng.choice(_INKS)
    size = max(10, round(min(width, height) * (0.055 if spec.kind == "id" else 0.022)))
    y = top
    bottom = height - (round(height * 0.06) if spec.kind == "id" else top + size * 3)
    while y + size < bottom:
        draw.text((left, y), _words(rng, rng.randint(2, 6)), fill=ink, font=_font(size))
        y += round(size * rng.uniform(1.5, 2.1))
    if spec.kind == "id":
        draw.text((left, height - round(height * 0.12)), "".join(rng.choice(string.digits)
                  for _ in range(18)), fill=ink, font=_font(round(size * 1.1)))
    else:
        # A signature in black ink.
        points = [
            (left + i * size * 0.6, y - size + rng.uniform(-size, size) * 0.6) for i in range(12)
        ]
        draw.line(points, fill=(10, 10, 10), width=max(2, size // 8))
    return card


def make_card(spec: CardSpec) -> Tuple[bytes, Image.Image]:
    """Draws and degrades one card; returns the encoded file and the image before encoding.

    The blur radius is in pixels of the card drawn ``BLUR_UNIT_SIDE`` pixels long, so the same
    value means the same loss of detail whatever the pixel size.
    """
    rng = random.Random(spec.seed)
    image = _draw_card(spec, rng)
    if spec.blur > 0:
        scale = spec.long_side / BLUR_UNIT_SIDE
        image = image.filter(ImageFilter.GaussianBlur(spec.blur * scale))
    if spec.gain != 1.0 or spec.offset != 0.0:
        lut = [min(255, max(0, round(v * spec.gain + spec.offset))) for v in range(256)]
        image = image.point(lut * 3)
    if spec.noise > 0:
        # Luminance noise, added after the blur as a camera adds it.
        noise = np.random.default_rng(spec.seed).standard_normal(
            (image.height, image.width), dtype=np.float32
        )
        noise *= spec.noise
        noise += 128.0
        np.clip(noise, 0, 255, out=noise)
        layer = Image.fromarray(noise.astype(np.uint8), "L")
        image = ImageChops.add(image, Image.merge("RGB", [layer] * 3), scale=1.0, offset=-128)
    if spec.grayscale:
        image = image.convert("L")
        if spec.gray_as_rgb:
            image = image.convert("RGB")
    out = io.BytesIO()
    if spec.image_format == "JPEG":
        image.save(out, "JPEG", quality=spec.quality)
    else:
        image.save(out, spec.image_format)
    return out.getvalue(), image


# --- calibration -------------------------------------------------------------------------------


@dataclass
class Sample:
    """A generated card, its labels (True: defect, False: clean, None: borderline), measures."""

    spec: CardSpec
    labels: Dict[str, Optional[bool]]
    measures: precheck.Measures = field(default=None)  # type: ignore[assignment]


def random_spec(rng: random.Random, seed: int) -> Tuple[CardSpec, Dict[str, Optional[bool]]]:
    """A random card with defects drawn independently, and its labels."""
    blur = rng.choice([0.0, 0.0, rng.uniform(0.0, SHARP_MAX_BLUR),
                       rng.uniform(SHARP_MAX_BLUR, BLURRY_MIN_BLUR),
                       rng.uniform(BLURRY_MIN_BLUR, 4.0), rng.uniform(4.0, 8.0)])
    exposure = rng.random()
    if exposure < 0.2:
        gain, offset, dark, bright = rng.uniform(0.08, 0.32), 0.0, True, False
    elif exposure < 0.3:
        gain, offset, dark, bright = rng.uniform(0.32, 0.55), 0.0, None, False
    elif exposure < 0.5:
        gain, offset, dark, bright = rng.uniform(1.5, 2.2), rng.uniform(90, 160), False, True
    elif exposure < 0.6:
        gain, offset, dark, bright = rng.uniform(1.15, 1.5), rng.uniform(20, 90), False, None
    else:
        gain, offset, dark, bright = rng.uniform(0.6, 1.1), rng.uniform(-10, 15), False, False
    grayscale = rng.random() < 0.3
    spec = CardSpec(
        long_side=rng.choice([1024, 1280, 1600, 2000, 2400]),
        kind=rng.choice(["id", "id", "form"]),
        portrait=rng.random() < 0.3,
        blur=blur,
        gain=gain,
        offset=offset,
        grayscale=grayscale,
        gray_as_rgb=grayscale and rng.random() < 0.5,
        noise=rng.uniform(0.5, 6.0),
        image_format="JPEG" if rng.random() < 0.85 else "PNG",
        quality=rng.randint(70, 95),
        seed=seed,
    )
    # Colour and sharpness are only judged on well-exposed photos (bot.core.precheck.judge).
    exposed_well = dark is False and bright is False
    labels = {
        "blurry": (
            (True if blur >= BLURRY_MIN_BLUR else False if blur <= SHARP_MAX_BLUR else None)
            if exposed_well else None
        ),
        "dark": dark,
        "overexposed": bright,
        "grayscale": grayscale if exposed_well else None,
    }
    return spec, labels


def generate(count: int, seed: int) -> List[Sample]:
    """``count`` random cards, measured like ``check_image`` measures them."""
    rng = random.Random(seed)
    samples = []
    for i in range(count):
        spec, labels = random_spec(rng, seed * 100_000 + i)
        data, _ = make_card(spec)
        samples.append(Sample(spec, labels, precheck.measure_bytes(data)))
    return samples


@dataclass(frozen=True)
class Check:
    """A measure and the direction in which it flags a defect."""

    name: str
    value: Callable[[precheck.Measures], float]
    defect_below: bool  # True: values below the threshold are defects
    current: float


CHECKS = (
    Check("grayscale", lambda m: m.chroma_p99, True, precheck.GRAYSCALE_MAX_CHROMA),
    Check("blurry", lambda m: m.sharpness, True, precheck.BLUR_MIN_SHARPNESS),
    Check("dark", lambda m: m.luminance_p95, True, precheck.DARK_MAX_P95),
    # The p2 threshold applies to images blown out over OVEREXPOSED_MIN_CLIPPED of their area.
    Check(
        "overexposed",
        lambda m: m.luminance_p2 if m.clipped >= precheck.OVEREXPOSED_MIN_CLIPPED else 0.0,
        False,
        precheck.OVEREXPOSED_MIN_P2,
    ),
)


def _flags(check: Check, values: np.ndarray, threshold: float) -> np.ndarray:
    # Grayscale flags at or below its threshold (an exactly gray image measures 0).
    if check.name == "grayscale":
        return values <= threshold
    return values < threshold if check.defect_below else values > threshold


def rates(
    check: Check, samples: Sequence[Sample], threshold: float
) -> Tuple[float, float, int, int]:
    """(false-positive rate, false-negative rate, clean count, defective count) at a threshold."""
    labelled = [s for s in samples if s.labels[check.name] is not None]
    values = np.array([check.value(s.measures) for s in labelled])
    if check.name == "grayscale":
        # A file stored in a grayscale mode is flagged whatever its chroma.
        gray_files = np.array([s.measures.gray_mode for s in labelled])
        flagged = _flags(check, values, threshold) | gray_files
    else:
        flagged = _flags(check, values, threshold)
    truth = np.array([bool(s.labels[check.name]) for s in labelled])
    clean, defective = int((~truth).sum()), int(truth.sum())
    fp = float((flagged & ~truth).sum() / clean) if clean else 0.0
    fn = float((~flagged & truth).sum() / defective) if defective else 0.0
    return fp, fn, clean, defective


def best_threshold(check: Check, samples: Sequence[Sample]) -> float:
    """The threshold with the lowest balanced error (mean of the false-positive and
    false-negative rates) on ``samples``; among equally good ones, the middle of their range
    (the widest margin on both sides)."""
    values = sorted({round(check.value(s.measures), 4) for s in samples})
    candidates = [(a + b) / 2 for a, b in zip(values, values[1:])] or values
    scored = [(sum(rates(check, samples, t)[:2]) / 2, t) for t in candidates]
    best = min(score for score, _ in scored)
    ties = [t for score, t in scored if score == best]
    return (min(ties) + max(ties)) / 2


def calibrate(train: Sequence[Sample], held_out: Sequence[Sample]) -> List[Dict[str, object]]:
    """Per check: suggested threshold (training set) and held-out error rates."""
    rows = []
    for check in CHECKS:
        suggested = best_threshold(check, train)
        fp, fn, clean, defective = rates(check, held_out, check.current)
        sfp, sfn, _, _ = rates(check, held_out, suggested)
        rows.append({
            "check": check.name,
            "current": check.current,
            "suggested": round(suggested, 3),
            "held_out_clean": clean,
            "held_out_defective": defective,
            "fp": fp,
            "fn": fn,
            "suggested_fp": sfp,
            "suggested_fn": sfn,
        })
    return rows


def blur_curve(samples: Sequence[Sample]) -> List[Tuple[str, int, float]]:
    """Share of well-exposed cards flagged blurry per blur radius band (``BLUR_UNIT_SIDE``
    pixels), with the threshold in use: how the check behaves in the borderline band too."""
    bands = [(0.0, 0.01), (0.01, 0.8), (0.8, 1.5), (1.5, 2.5), (2.5, 4.0), (4.0, 8.1)]
    exposed_well = [
        s for s in samples if s.labels["dark"] is False and s.labels["overexposed"] is False
    ]
    out = []
    for low, high in bands:
        band = [s for s in exposed_well if low <= s.spec.blur < high]
        if band:
            flagged = sum(s.measures.sharpness < precheck.BLUR_MIN_SHARPNESS for s in band)
            out.append((f"{low:g}-{high:g}", len(band), flagged / len(band)))
    return out


def markdown(rows: List[Dict[str, object]], curve: List[Tuple[str, int, float]]) -> str:
    """The tables of docs/precheck.md."""
    lines = [
        "| check | measure threshold (in use) | suggested by the training set "
        "| held-out clean / defective | false positives | false negatives |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| `{r['check']}` | {r['current']} | {r['suggested']} (FP {r['suggested_fp']:.1%}, "
            f"FN {r['suggested_fn']:.1%}) | {r['held_out_clean']} / {r['held_out_defective']} | "
            f"{r['fp']:.1%} | {r['fn']:.1%} |"
        )
    lines += ["", "| blur radius (px at 1024) | well-exposed cards | flagged blurry |"]
    lines += ["|---|---|---|"]
    lines += [f"| {band} | {n} | {share:.0%} |" for band, n, share in curve]
    return "\n".join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", type=int, default=400, help="training cards (default 400)")
    parser.add_argument("--held-out", type=int, default=400, help="held-out cards (default 400)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--markdown", action="store_true", help="print the docs tables")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    train = generate(args.train, args.seed)
    held_out = generate(args.held_out, args.seed + 1)
    rows = calibrate(train, held_out)
    if args.markdown:
        print(markdown(rows, blur_curve(held_out)))
    else:
        for r in rows:
            print(
                f"{r['check']:<12} in use {r['current']:<6} "
                f"held-out FP {r['fp']:.1%} FN {r['fn']:.1%}"
                f" | suggested {r['suggested']:<8} held-out FP {r['suggested_fp']:.1%}"
                f" FN {r['suggested_fn']:.1%} ({r['held_out_clean']} clean, "
                f"{r['held_out_defective']} defective)"
            )
        for band, n, share in blur_curve(held_out):
            print(f"blur {band:<9} {n:>4} cards, {share:.0%} flagged")
    elapsed = time.perf_counter() - started
    print(f"{args.train + args.held_out} cards in {elapsed:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
