"""Guards on the data: dev and test questions stay unseen, every intent has data, the test set is
well-formed.

"Unseen" means neither an exact copy nor a near-copy: after lowercasing and removing
punctuation and whitespace, no development- or test-set question may reach a difflib similarity
ratio of 0.9 with a training example (a near-copy measures memory, not understanding).
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import List, Tuple

import yaml
from rasa.shared.nlu.training_data.loading import load_data

from bot.devtools.near_copy import near_copies
from bot.devtools.near_copy import normalise as _norm

ROOT = Path(__file__).resolve().parents[2]
TEST_LABELS = {"icp_other", "out_of_scope"}


@lru_cache(maxsize=1)
def _training():
    return load_data(str(ROOT / "data" / "nlu")).intent_examples


def _domain_intents() -> List[str]:
    """The intents the classifier predicts (not those NLU components set, which have no data)."""
    from bot.devtools.validation import COMPONENT_INTENTS

    intents = [
        intent
        for path in sorted((ROOT / "domain").glob("*.yml"))
        for intent in yaml.safe_load(path.read_text(encoding="utf-8")).get("intents") or []
    ]
    return [intent for intent in intents if intent not in COMPONENT_INTENTS]


def _devset():
    """(language, intent, text) of the development set's single questions and its cases (a
    case's intent: its first expected answer)."""
    for path in sorted((ROOT / "tests" / "devset").glob("*.yml")):
        for intent, texts in yaml.safe_load(path.read_text(encoding="utf-8")).items():
            for text in texts:
                yield path.stem, intent, text
    for lang, entry in _items(_dev_case_files()):
        yield lang, entry["expect"][0], entry["text"]


def _testset_files() -> List[Path]:
    return sorted((ROOT / "tests" / "testset").glob("*.yml"))


def _dev_case_files() -> List[Path]:
    return sorted((ROOT / "tests" / "devset" / "cases").glob("*.yml"))


def _items(files: List[Path]):
    for path in files:
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")):
            yield path.stem, entry


def _testset():
    yield from _items(_testset_files())


def _item_sets():
    """The files in the test set's item format: the test set and the development cases."""
    yield from _items(_testset_files())
    yield from _items(_dev_case_files())


def test_near_copies_are_found_after_normalising():
    hits = near_copies(["What formats can I upload?", "hello"],
                       ["what formats can i upload", "which formats may i upload?", "goodbye"])
    assert [(q, r) for q, r, _ in hits] == [("What formats can I upload?", "what formats can i upload")]
    assert near_copies(["备案需要上传哪些材料？"], ["备案需要上传哪些材料"])
    assert not near_copies(["备案需要上传哪些材料"], ["域名证书在哪里下载"])


def _sealed(hits: List[Tuple[str, str, float]], sealed: set) -> List[Tuple[str, str, float]]:
    """The hits with test-set questions hidden: a failure must not show the sealed set."""
    return [("<a test-set question>" if q in sealed else q, r, ratio) for q, r, ratio in hits]


def test_no_dev_or_test_question_is_a_near_copy_of_the_training_data():
    trained = [e.get("text") for e in _training()]
    sealed = {entry["text"] for _, entry in _testset()}
    questions = [text for _, _, text in _devset()] + sorted(sealed)
    assert _sealed(near_copies(questions, trained), sealed) == []


def test_no_test_question_is_a_near_copy_of_a_development_question():
    dev = [text for _, _, text in _devset()]
    sealed = {entry["text"] for _, entry in _testset()}
    assert _sealed(near_copies(sorted(sealed), dev), sealed) == []


def test_every_intent_has_enough_examples_in_both_languages():
    counts = Counter(
        (e.get("intent"), "zh" if re.search(r"[\u4e00-\u9fff]", e.get("text")) else "en")
        for e in _training()
    )
    for intent in _domain_intents():
        for language in ("en", "zh"):
            assert counts[(intent, language)] >= 20, (intent, language)


def test_devset_covers_every_intent_with_at_least_8_questions():
    per = Counter((lang, intent) for lang, intent, _ in _devset() if "|" not in intent)
    for intent in _domain_intents():
        for language in ("en", "zh"):
            assert per[(language, intent)] >= 8, (intent, language)


def test_test_items_are_well_formed():
    from bot.devtools.eval import CATEGORIES, DETAIL_KEYS, parse_expected

    labels = set(_domain_intents()) | TEST_LABELS
    rules = yaml.safe_load((ROOT / "data" / "provinces.yml").read_text(encoding="utf-8"))
    provinces = {p["key"] for p in rules["provinces"]}
    allowed_details = {
        "province": provinces,
        "applicant_type": {"individual", "organization"},
        "residency": {"mainland", "hong_kong", "macao", "taiwan", "foreign"},
    }
    for lang, entry in _item_sets():
        assert set(entry) <= {"text", "expect", "category", "details"}, entry
        assert entry["text"].strip() and entry["expect"], entry
        for expected in entry["expect"]:
            assert set(parse_expected(expected)) <= labels, entry
        assert entry["category"] in CATEGORIES, entry
        assert (len(entry["expect"]) > 1) == (entry["category"] == "compound"), entry
        if entry["category"] == "near_topic":
            assert entry["expect"] == ["icp_other"], entry
        if entry["category"] == "out_of_scope":
            assert entry["expect"] == ["out_of_scope"], entry
        for key, value in (entry.get("details") or {}).items():
            assert key in DETAIL_KEYS and value in allowed_details[key], entry


def test_every_test_item_names_its_public_source_and_the_texts_are_distinct():
    texts = []
    for path in _testset_files() + _dev_case_files():
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines):
            if line.startswith("- text:"):
                assert re.match(r"# source: https?://\S+$", lines[number - 1]), (path.name, number + 1)
        texts += [_norm(entry["text"]) for entry in yaml.safe_load("\n".join(lines))]
    assert [t for t, n in Counter(texts).items() if n > 1] == []


def test_the_test_set_is_big_enough_in_both_languages():
    per = Counter()
    for lang, entry in _testset():
        kind = entry["category"] if entry["category"] in ("near_topic", "out_of_scope") else "faq"
        per[(lang, kind)] += 1
    for lang in ("en", "zh"):
        assert per[(lang, "faq")] >= 150, lang
        assert per[(lang, "near_topic")] >= 30, lang
        assert per[(lang, "out_of_scope")] >= 10, lang
