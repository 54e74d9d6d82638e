"""Latency against turn, capacity at a latency target, soak and stock-model rows of the bench."""
from __future__ import annotations

import random
from pathlib import Path
from typing import Any, Dict, List

import pytest

from bot.devtools.bench import capacity, report, training, turns
from bot.devtools.bench.__main__ import age

MB = 1024 * 1024


# --- latency against turn ----------------------------------------------------------------------


def test_turn_summary_compares_the_last_window_with_the_first() -> None:
    latencies = [10.0] * 20 + [11.0] * 80 + [12.0] * 19 + [100.0]
    s = turns.summarise(latencies)
    assert (s["first_ms"], s["last_ms"], s["ratio"]) == (10.0, 12.0, 1.2)
    assert s["passed"] is True
    assert [w["turns"] for w in s["windows"]] == ["1-20", "21-40", "41-60", "61-80", "81-100",
                                                 "101-120"]
    growing = turns.summarise([5.0 + i / 4 for i in range(120)])
    assert growing["passed"] is False and growing["ratio"] > 4


def test_turn_summary_of_a_short_conversation_has_no_verdict() -> None:
    s = turns.summarise([10.0] * 20)
    assert s["last_ms"] is None and s["passed"] is None


def test_the_long_conversation_repeats_the_same_mix() -> None:
    msgs = turns.messages(120)
    assert msgs[:12] == list(turns.LONG_CONVERSATION) == msgs[108:120]
    assert set(msgs[:20]) == set(msgs[100:120]) == set(turns.LONG_CONVERSATION)
    assert any(ord(ch) > 0x4E00 for text in msgs for ch in text)  # both languages


# --- capacity ---------------------------------------------------------------------------------


def step(rate: float, p95: float, lost: int = 0, cpu: float = 0.1) -> Dict[str, Any]:
    return {"offered_rate": rate, "p95_ms": p95, "lost": lost, "generator_cpu_share": cpu,
            "passed": p95 < 100 and lost == 0}


def test_step_summary_passes_only_under_the_target_with_nothing_lost() -> None:
    result = capacity.StepResult(rate=20, seconds=10, arrivals=200, latencies_ms=[10.0] * 180 + [99.0] * 20,
                                 lost=0, wall_seconds=10.5, cpu_seconds=1.05, lag_ms=[0.0] * 200)
    s = capacity.step_summary(result)
    assert s["passed"] is True and s["p95_ms"] == 99.0
    assert s["generator_cpu_share"] == 0.1 and s["answered"] == 200
    result.lost = 1
    assert capacity.step_summary(result)["passed"] is False
    result.lost = 0
    result.latencies_ms = [10.0] * 180 + [150.0] * 20
    assert capacity.step_summary(result)["passed"] is False


def test_capacity_is_the_last_passing_rate_before_the_first_failure() -> None:
    assert capacity.capacity([step(10, 20), step(20, 40), step(40, 150), step(80, 50)]) == 20
    assert capacity.capacity([step(5, 300)]) is None
    assert capacity.capacity([step(5, 30, lost=2)]) is None


def test_arrivals_are_poisson_at_the_offered_rate() -> None:
    times = capacity.arrival_times(50, 200, random.Random(1))
    assert abs(len(times) / 200 - 50) < 2
    assert times == sorted(times) and times[-1] < 200
    gaps = [b - a for a, b in zip(times, times[1:])]
    mean = sum(gaps) / len(gaps)
    # Exponential gaps: standard deviation close to the mean (a fixed interval would be 0).
    sd = (sum((g - mean) ** 2 for g in gaps) / len(gaps)) ** 0.5
    assert 0.9 < sd / mean < 1.1


# --- the table -------------------------------------------------------------------------------------


def scaling_run(plain_capacity: Any = 20.0, soak_lost: int = 0) -> Dict[str, Any]:
    def served(first: float, last: float, cap: Any, rss: int, steps: List[Dict[str, Any]]) -> Dict:
        return {"turns": {**turns.summarise([first] * 20 + [last] * 100), "latencies_ms": [first]},
                "capacity": {"capacity": cap, "steps": steps},
                "peak_rss": rss, "peak_rss_process": rss}

    serving = {
        "project": served(10, 11, 90, 330 * MB, [step(80, 60, cpu=0.2), step(90, 80, cpu=0.25)]),
        "project-2w": {**served(10, 11, 150, 700 * MB, [step(150, 90)]),
                       "peak_rss_process": 340 * MB},
        "stock-plain": served(40, 90, plain_capacity, 1000 * MB, [step(20, 90), step(30, 400)]),
    }
    serving["project"]["soak"] = {"minutes": 30, "rate": 45, "rss_start": 330 * MB,
                                  "rss_end": 335 * MB, "p95_first_minute_ms": 40,
                                  "p95_last_minute_ms": 42, "lost": 0, "events_lost": soak_lost}
    return {"serving": serving, "accuracy": {}, "training": {}, "machine": {}}


def test_scaling_rows_and_targets() -> None:
    verdicts = report.verdicts(scaling_run())
    assert verdicts["long conv.: last / first 20 turns *"] is True  # 1.1x for ours
    assert verdicts["capacity vs stock-plain (1 process) *"] is True  # 90 / 20 = 4.5x
    assert verdicts["capacity vs stock-plain (2 workers) *"] is True
    assert verdicts["peak RSS per process (MB)"] is True
    assert verdicts["soak 30 min at 45 msg/s: messages / events lost"] is True
    rows = {row["metric"]: row for row in report.rows(scaling_run())}
    assert rows["long conv.: last / first 20 turns *"]["extra"]["stock-plain"] == 2.25
    assert rows["peak RSS per process (MB)"]["extra"]["project-2w"] == 340 * MB
    assert rows["load generator CPU, max (share of a core)"]["project"] == 0.25
    text = report.table(scaling_run())
    assert "long conv.: median turns 101-120 (ms) *" in text


def test_capacity_fails_below_4x_and_without_a_stock_plain_figure() -> None:
    assert report.verdicts(scaling_run(plain_capacity=30))["capacity vs stock-plain (1 process) *"] is False
    # stock-plain passed no step, not even the lowest rate: counted as 0, so any capacity of
    # ours passes (the table says why); none of ours either: fail.
    assert report.verdicts(scaling_run(plain_capacity=None))["capacity vs stock-plain (1 process) *"] is True
    none_at_all = scaling_run(plain_capacity=None)
    none_at_all["serving"]["project"]["capacity"]["capacity"] = None
    assert report.verdicts(none_at_all)["capacity vs stock-plain (1 process) *"] is False
    assert report.verdicts(scaling_run(soak_lost=1))[
        "soak 30 min at 45 msg/s: messages / events lost"] is False


def test_test_set_accuracy_rows_beat_both_baselines() -> None:
    result = scaling_run()
    result["accuracy"] = {"testset": {
        "project": {"en": {"accuracy": 0.9}, "zh": {"accuracy": 0.8}},
        "stock": {"en": {"accuracy": 0.85}, "zh": {"accuracy": 0.85}},
        "knn": {"en": {"accuracy": 0.7}, "zh": {"accuracy": 0.7}},
    }}
    verdicts = report.verdicts(result)
    assert verdicts["test-set accuracy en"] is True
    assert verdicts["test-set accuracy zh"] is False


def test_the_table_says_which_stock_models_were_used_and_how_old() -> None:
    result = scaling_run()
    result["training"] = {
        "stock": {"epochs": 100, "seed": 42, "cached": True, "trained_on": "2026-11-30T10:00:00",
                  "age": "1.2 days", "loadavg_end": "0.5"},
        "stock_serving": {"epochs": 10, "cached": False},
    }
    text = report.table(result)
    assert "its own 100 epochs, seed 42" in text
    assert "CACHED" in text and "1.2 days old" in text
    assert "trained with 10 epochs, trained by this run" in text and "NOT used for accuracy" in text


def test_plots_are_written(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    report.plot_scaling(scaling_run(), tmp_path / "s.png")
    assert (tmp_path / "s.png").stat().st_size > 1000


# --- the stock model --------------------------------------------------------------------------------


def test_seeded_stock_config_seeds_every_network_and_changes_the_cache_key() -> None:
    text = training.stock_config_text(100, 42)
    assert text.count("random_seed: 42") == text.count("epochs: 100") == 4
    assert training.inputs_fingerprint(100, 42) != training.inputs_fingerprint(100, 7)
    assert training.inputs_fingerprint(100, 42) == training.inputs_fingerprint(100, 42)
    assert "random_seed" not in training.stock_config_text(10)
    assert training.stock_config_text(10, 1).count("epochs: 10\n") == 4


def test_age_is_readable() -> None:
    assert age("not a date") == "unknown age"
    assert age("2000-01-01T00:00:00").endswith("days")


def test_capacity_bounds_are_said() -> None:
    result = scaling_run(plain_capacity=None)
    result["serving"]["project"]["capacity"]["lower_bound"] = True
    result["serving"]["stock-plain"]["capacity"]["lowest_rate"] = 1
    text = report.table(result)
    assert "capacity of stock-plain: no rate tried met p95 < 100 ms" in text
    assert "capacity of project: every rate tried passed; 90 msg/s is a lower bound" in text


def test_a_stock_model_given_on_the_command_line_is_named() -> None:
    result = scaling_run()
    result["models"] = {"stock": {"source": "models/x.tar.gz"}}
    assert "stock = the model given with --stock-model (models/x.tar.gz)" in report.table(result)
