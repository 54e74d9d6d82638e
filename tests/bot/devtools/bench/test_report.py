"""The benchmark table: ratios, targets and extra columns from a run's JSON."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import yaml

from bot.devtools.bench import report
from bot.devtools.bench.servers import plain_rasa_endpoints

MB = 1024 * 1024


def level(throughput: float, p50: float, p95: float) -> Dict[str, float]:
    return {"throughput_msg_s": throughput, "p50_ms": p50, "p95_ms": p95}


def run(**serving_extra: Any) -> Dict[str, Any]:
    accuracy = {
        system: {lang: {"accuracy": a, "macro_f1": a, "oos_rejection": 0.95,
                        "in_scope_rejected": 0.01} for lang in ("en", "zh")}
        for system, a in (("project", 0.98), ("stock", 0.95), ("knn", 0.85))
    }
    serving = {
        "project": {"levels": {"1": level(80, 12, 20), "16": level(90, 150, 300)},
                    "latencies_ms": {"1": [10, 12, 20], "16": [100, 150, 300]},
                    "startup_seconds": 8.0, "peak_rss": 340 * MB,
                    "load_test": {"conversations": 50, "turns": 10, "requests": 500,
                                  "failures": 0, "unanswered": 0, "throughput_msg_s": 85,
                                  "p95_ms": 900, "rss_before": 330 * MB, "rss_after": 335 * MB,
                                  "tracker": {"exact": 50, "conversations": 50,
                                              "user_events": 500, "expected_user_events": 500}}},
        "stock": {"levels": {"1": level(30, 30, 40), "16": level(30, 500, 700)},
                  "latencies_ms": {"1": [30], "16": [500]},
                  "startup_seconds": 35.0, "peak_rss": 1100 * MB},
        **serving_extra,
    }
    return {"accuracy": accuracy, "serving": serving,
            "training": {"project": {"seconds": 65.0}, "stock": {"seconds": 500.0, "epochs": 10}},
            "started_at": "2026-11-27T23:00:00", "machine": {"loadavg_start": "1.0"}}


def test_targets_and_ratios() -> None:
    verdicts = report.verdicts(run())
    assert verdicts["accuracy en"] is True
    assert verdicts["p50 latency 1 client (ms) *"] is True  # 12 ms <= 12 ms
    assert verdicts["startup to first answer (s) *"] is True
    assert verdicts["peak RSS per process (MB)"] is True
    assert verdicts["training from scratch (s) *"] is True
    # 16 closed-loop clients: shown, no longer a target (replaced by capacity).
    assert "throughput 16 clients (msg/s) *" not in verdicts
    assert "p95 latency 16 clients (ms) *" not in verdicts
    assert verdicts["load 50x10: user events exact"] is True
    rows = {row["metric"]: row for row in report.rows(run())}
    assert rows["throughput 16 clients (msg/s) *"]["ratio"] == 3.0


def test_accuracy_must_beat_both_baselines() -> None:
    result = run()
    result["accuracy"]["stock"]["en"]["accuracy"] = 0.99
    assert report.verdicts(result)["accuracy en"] is False


def test_extra_columns_are_shown_but_never_judged() -> None:
    result = run(**{"project-2w": {"levels": {"1": level(80, 12, 20), "16": level(140, 90, 150)},
                                   "startup_seconds": 9.0, "peak_rss": 700 * MB,
                                   "description": "our model, SANIC_WORKERS=2"}})
    text = report.table(result)
    header = text.splitlines()[0]
    assert "project-2w" in header and "stock-plain" not in header
    throughput = next(line for line in text.splitlines() if line.startswith("throughput 16"))
    assert "140.0" in throughput
    assert "project-2w = our model, SANIC_WORKERS=2" in text
    assert report.verdicts(result) == report.verdicts(run())
    assert "trained with 10 epochs instead of 100" in text


def test_throughput_is_also_compared_with_stock_on_plain_rasa() -> None:
    result = run(**{"stock-plain": {"levels": {"1": level(15, 40, 100), "16": level(20, 600, 900)}}})
    row = next(r for r in report.rows(result) if r["metric"].startswith("throughput 16 clients vs"))
    assert row["ratio"] == 4.5


def test_plot(tmp_path: Path) -> None:
    extra = {"stock-plain": {"levels": {"1": level(15, 40, 100)}, "latencies_ms": {"1": [40]}}}
    report.plot(run(**extra), tmp_path / "plot.png")
    assert (tmp_path / "plot.png").read_bytes()[:4] == b"\x89PNG"


def test_plain_rasa_endpoints_use_rasas_store_and_full_domain() -> None:
    config = yaml.safe_load(plain_rasa_endpoints())
    assert config["tracker_store"]["type"] == "SQL"
    assert "enable_selective_domain" not in config["action_endpoint"]
    assert config["tracker_store"]["url"] == "${TRACKER_DB_URL}"


def test_photo_check_targets_become_rows():
    from bot.devtools.bench import report

    result = {"precheck": {"targets": [
        {"target": "p95 < 150 ms (4 MB JPEG)", "value": 120.0, "passed": True},
        {"target": "peak memory <= 3x decoded (png)", "value": 3.5, "passed": False},
    ]}}
    verdicts = report.verdicts(result)
    assert verdicts["photo check: p95 < 150 ms (4 MB JPEG) *"] is True
    assert verdicts["photo check: peak memory <= 3x decoded (png)"] is False


def test_the_load_pool_leaves_out_requests_for_a_human_agent():
    from bot.devtools.bench.load import question_pool

    pool = question_pool({"en": [("hi", "greet"), ("a person please", "human_handoff"),
                                 ("which documents", "faq_documents")]})
    assert sorted(pool) == ["hi", "which documents"]
