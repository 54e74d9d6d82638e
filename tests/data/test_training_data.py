"""Guards on the training data: the held-out questions stay unseen, every intent has data."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import yaml
from rasa.shared.nlu.training_data.loading import load_data

ROOT = Path(__file__).resolve().parents[2]


def _norm(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())


def _training():
    return load_data(str(ROOT / "data" / "nlu")).intent_examples


def _heldout():
    for path in sorted((ROOT / "tests" / "heldout").glob("*.yml")):
        for intent, texts in yaml.safe_load(path.read_text(encoding="utf-8")).items():
            for text in texts:
                yield path.stem, intent, text


def test_no_heldout_question_is_in_the_training_data():
    trained = {_norm(e.get("text")) for e in _training()}
    leaked = [text for _, _, text in _heldout() if _norm(text) in trained]
    assert leaked == []


def test_every_intent_has_enough_examples_in_both_languages():
    domain = yaml.safe_load((ROOT / "domain" / "core.yml").read_text(encoding="utf-8"))
    counts = Counter(
        (e.get("intent"), "zh" if re.search(r"[\u4e00-\u9fff]", e.get("text")) else "en")
        for e in _training()
    )
    for intent in domain["intents"]:
        for language in ("en", "zh"):
            assert counts[(intent, language)] >= 20, (intent, language)


def test_heldout_covers_every_intent_with_at_least_8_questions():
    domain = yaml.safe_load((ROOT / "domain" / "core.yml").read_text(encoding="utf-8"))
    per = Counter((lang, intent) for lang, intent, _ in _heldout())
    for intent in domain["intents"]:
        for language in ("en", "zh"):
            assert per[(language, intent)] >= 8, (intent, language)
