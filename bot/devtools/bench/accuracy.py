"""Understanding on the development set (tests/devset): our model, the stock `rasa init` model, TF-IDF kNN.

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

from bot.devtools.eval import ROOT, dev_sets, quiet_rasa, rasa_predictor, score

ZH_EXAMPLE = "备案需要上传哪些材料"


def score_all(predict, devset) -> Dict[str, Any]:
    out = {}
    for lang, pairs in devset.items():
        t = time.perf_counter()
        s = score(pairs, predict)
        d = asdict(s)
        d["errors"] = d["errors"][:40]
        d["n_errors"] = len(s.errors)
        d["ms_per_question"] = round(1000 * (time.perf_counter() - t) / max(len(pairs), 1), 3)
        out[lang] = d
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
    result["project"] = score_all(rasa_predictor(args.project), devset)
    result["project_seconds"] = round(time.perf_counter() - t, 1)

    if args.stock:
        t = time.perf_counter()
        result["stock"] = score_all(rasa_predictor(args.stock), devset)
        result["stock_seconds"] = round(time.perf_counter() - t, 1)
        result["stock_zh_tokens"] = {ZH_EXAMPLE: whitespace_tokens(args.stock, ZH_EXAMPLE)}

    from bot.devtools.bench import knn

    t = time.perf_counter()
    model, search, n_train = knn.build([ROOT / "data" / "nlu"])
    result["knn"] = score_all(model.predictor(), devset)
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
