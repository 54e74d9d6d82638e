"""Understanding on the development set (tests/devset) and the test set of real users'
questions (tests/testset): our model, the stock `rasa init` model, TF-IDF kNN.

On the test set (``bot.devtools.eval.score_items``: a message may ask several questions) our
model is scored on what the assistant answers to the whole message
(``bot.devtools.eval.assistant_predictor``, as ``make eval`` does); the stock model and the kNN
answer each message once, as they would be served. The development-set rows here are the single
questions of ``tests/devset/*.yml`` (which every system can answer); ``make eval`` adds the
development cases.

``python -m bot.devtools.bench.accuracy --project P --stock S --json out.json`` scores each system per
language with ``bot.devtools.eval.score`` (rejection = ``nlu_fallback`` or ``out_of_scope``) and, for
the stock model, also records how its WhitespaceTokenizer cuts Chinese. Runs in its own process
so the load generator of ``python -m bot.devtools.bench`` stays small.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any, Dict, List, Optional

from bot.devtools.eval import (
    ROOT,
    dev_items,
    dev_sets,
    faq_intents,
    load_test_sets,
    assistant_predictor,
    quiet_rasa,
    rasa_predictor,
    score,
    score_items,
)

ZH_EXAMPLE = "备案需要上传哪些材料"


def score_all(predict, devset, predict_parts=None) -> Dict[str, Any]:
    """Development-set scores per language.

    Accuracy, out-of-scope/near-topic declined and in-scope rejected are those of ``make eval``
    (``score_items``: every question of a message scored, ``icp_other`` a decline), so the
    bench and the eval report the same figures; macro-F1 is over whole messages.

    Args:
        predict: text -> intent.
        devset: (text, intent) pairs per language.
        predict_parts: message -> intent per question (the project's splitter); one
            prediction per message by default (the baselines have no splitter).
    """
    faq = faq_intents()
    predict_parts = predict_parts or (lambda text: [predict(text)])
    out = {}
    for lang, pairs in devset.items():
        t = time.perf_counter()
        s = score(pairs, predict)
        d = asdict(s)
        per_part = score_items(dev_items(pairs), predict_parts, faq).overall
        d["accuracy"] = per_part["accuracy"]
        d["oos_rejection"] = per_part["oos_near_topic_declined"]
        d["in_scope_rejected"] = per_part["in_scope_rejected"]
        d["errors"] = d["errors"][:40]
        d["n_errors"] = len(s.errors)
        d["ms_per_question"] = round(1000 * (time.perf_counter() - t) / max(len(pairs), 1), 3)
        out[lang] = d
    return out


def score_test_set(predict_parts, testset) -> Dict[str, Any]:
    """Overall test-set rates per language (accuracy over questions, rejections...)."""
    faq = faq_intents()
    out = {}
    for lang, items in testset.items():
        report = score_items(items, predict_parts, faq)
        out[lang] = {**report.overall, "n_errors": len(report.errors),
                     "errors": report.errors[:40]}
    return out


def whitespace_tokens(model: Path, text: str) -> Optional[List[str]]:
    """Tokens the stock model's WhitespaceTokenizer makes of `text`."""
    try:
        from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
        from rasa.shared.nlu.training_data.message import Message

        tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
        return [t.text for t in tokenizer.tokenize(Message({"text": text}), "text")]
    except Exception:  # informative only
        return None


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, required=True)
    parser.add_argument("--stock", type=Path)
    parser.add_argument("--json", type=Path, required=True)
    args = parser.parse_args(argv)

    quiet_rasa()
    devset = dev_sets()
    result: Dict[str, Any] = {"n": {k: len(v) for k, v in devset.items()}}

    t = time.perf_counter()
    testset = load_test_sets()
    result["n_test"] = {k: len(v) for k, v in testset.items()}
    result["testset"] = {}
    predict = rasa_predictor(args.project)
    answers = assistant_predictor(args.project)
    result["project"] = score_all(predict, devset, answers)
    result["testset"]["project"] = score_test_set(answers, testset)
    result["project_seconds"] = round(time.perf_counter() - t, 1)

    if args.stock:
        t = time.perf_counter()
        predict = rasa_predictor(args.stock)
        result["stock"] = score_all(predict, devset)
        result["testset"]["stock"] = score_test_set(lambda text: [predict(text)], testset)
        result["stock_seconds"] = round(time.perf_counter() - t, 1)
        result["stock_zh_tokens"] = {ZH_EXAMPLE: whitespace_tokens(args.stock, ZH_EXAMPLE)}

    from bot.devtools.bench import knn

    t = time.perf_counter()
    model, search, n_train = knn.build([ROOT / "data" / "nlu"])
    result["knn"] = score_all(model.predictor(), devset)
    knn_predict = model.predictor()
    result["testset"]["knn"] = score_test_set(lambda text: [knn_predict(text)], testset)
    result["knn_threshold"] = {
        "threshold": search.threshold,
        "cv_accuracy": round(search.cv_accuracy, 4),
        "folds": search.folds,
        "training_examples": n_train,
    }
    result["knn_seconds"] = round(time.perf_counter() - t, 1)
    args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
