"""Promoting development batches into training data: what is kept, how it is labelled."""
from __future__ import annotations

from pathlib import Path

from rasa.shared.nlu.training_data.loading import load_data

from bot.devtools.promote import FILE_NAME, examples_of, promote, read_examples

BATCH = """\
# DEVELOPMENT SET, cases (English), batch 2
# source: https://example.com/one
- text: "What   documents do I upload?"
  expect: [faq_documents]
  category: single
# source: https://example.com/two
- text: "Which documents do I upload? And how big can the images be?"
  expect: [faq_documents, faq_image_requirements]
  category: compound
# source: https://example.com/three
- text: "Can I sign the form with a blue pen?"
  expect: ["authenticity_form|faq_authenticity_statement"]
  category: single
# source: https://example.com/four
- text: "I'm in Hunan."
  expect: [inform]
  category: details_only
# source: https://example.com/five
- text: "Is the weather nice in Hangzhou today?"
  expect: [out_of_scope]
  category: out_of_scope
"""


def _batch(tmp_path: Path) -> Path:
    path = tmp_path / "en2.yml"
    path.write_text(BATCH, encoding="utf-8")
    return path


def test_single_questions_and_the_parts_of_a_compound_become_examples(tmp_path: Path) -> None:
    examples = examples_of(_batch(tmp_path))
    assert [(e.text, e.intent, e.source, e.part) for e in examples] == [
        ("What documents do I upload?", "faq_documents", "https://example.com/one", None),
        ("Which documents do I upload?", "faq_documents", "https://example.com/two", "1/2"),
        ("how big can the images be?", "faq_image_requirements", "https://example.com/two", "2/2"),
        ("Is the weather nice in Hangzhou today?", "out_of_scope", "https://example.com/five", None),
    ]


def test_promoted_examples_load_with_their_metadata(tmp_path: Path) -> None:
    nlu = tmp_path / "nlu"
    report = promote([_batch(tmp_path)], nlu_dir=nlu)
    assert report["en"]["added"] == 4
    assert report["en"]["two acceptable answers"] == 1 and report["en"]["details only"] == 1
    loaded = load_data(str(nlu)).intent_examples
    first = next(e for e in loaded if e.get("text") == "What documents do I upload?")
    assert first.get("intent") == "faq_documents"
    assert first.get("metadata")["example"] == {"source": "https://example.com/one", "batch": "en2"}


def test_known_texts_and_near_copies_of_unseen_questions_are_not_added(tmp_path: Path) -> None:
    nlu = tmp_path / "nlu"
    report = promote(
        [_batch(tmp_path)],
        nlu_dir=nlu,
        trained=[("what documents do i upload?", "faq_documents")],
        unseen=["Is the weather nice in Hangzhou today"],
    )
    assert report["en"]["already trained"] == 1
    assert report["en"]["near-copy of an unseen question"] == 1
    texts = [e.text for e in read_examples(nlu / "en" / FILE_NAME)]
    assert "What documents do I upload?" not in texts
    assert "Is the weather nice in Hangzhou today?" not in texts
    # Again, without those guards: only the two texts they kept out are new.
    again = promote([_batch(tmp_path)], nlu_dir=nlu)
    assert again["en"]["added"] == 2 and again["en"]["already trained"] == 2
