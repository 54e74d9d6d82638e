"""The stage reports of `make test`: nothing ran means failure; every skip is listed."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.devtools.stages import Skip, main, read_notes, read_report, stage_reports, summarise

REDIS = "redis-server is not installed (apt-get install redis-server)"


def junit(*cases: str) -> str:
    """A JUnit XML report as pytest writes it, with the given ``<testcase>`` elements."""
    return (
        '<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests">'
        f'<testsuite name="pytest">{"".join(cases)}</testsuite></testsuites>'
    )


def passed(module: str, name: str) -> str:
    return f'<testcase classname="{module}" name="{name}" time="0.1" />'


def skipped(module: str, name: str, reason: str, kind: str = "pytest.skip") -> str:
    return (
        f'<testcase classname="{module}" name="{name}" time="0.0">'
        f'<skipped type="{kind}" message="{reason}">/x/{module}.py:3: {reason}</skipped>'
        "</testcase>"
    )


def failed(module: str, name: str) -> str:
    return (
        f'<testcase classname="{module}" name="{name}" time="0.1">'
        '<failure message="assert 0">boom</failure></testcase>'
    )


def write(folder: Path, name: str, text: str, mtime: float) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    os.utime(path, (mtime, mtime))
    return path


def test_read_report_counts_run_tests_and_collects_skips(tmp_path: Path) -> None:
    report = write(
        tmp_path,
        "unit.xml",
        junit(
            passed("tests.bot.test_a", "test_one"),
            failed("tests.bot.test_a", "test_two"),
            skipped("tests.bot.stores.test_lock_redis", "test_three", REDIS),
            # An expected failure ran: it is not a skip.
            skipped("tests.bot.test_b", "test_four", "known bug", kind="pytest.xfail"),
        ),
        1,
    )
    result = read_report(report)
    assert result.stage == "unit"
    assert result.ran == 3
    assert result.skips == (Skip("unit", "tests.bot.stores.test_lock_redis", REDIS),)


def test_summary_says_none_when_nothing_was_skipped() -> None:
    assert summarise([]) == "Skipped: none"


def test_summary_groups_by_stage_and_reason_and_names_the_modules() -> None:
    chromium = "/usr/bin/chromium is missing (apt-get install -y chromium)"
    skips = [
        Skip("live", "tests.browser.test_help_page", chromium),
        Skip("live", "tests.browser.test_help_page", chromium),
        Skip("live", "tests.browser.test_agent_console", chromium),
        Skip("unit", "tests.bot.stores.test_lock_redis", REDIS),
        Skip("acceptance", "", "../shared/acceptance not found"),
    ]
    assert summarise(skips).splitlines() == [
        "Skipped: 5",
        f"  live, 3 tests: {chromium}",
        "    in tests.browser.test_help_page, tests.browser.test_agent_console",
        f"  unit, 1 test: {REDIS}",
        "    in tests.bot.stores.test_lock_redis",
        "  acceptance: ../shared/acceptance not found",
    ]


def test_summary_shortens_long_module_lists() -> None:
    skips = [Skip("faults", f"tests.faults.test_{n}", "no bot") for n in range(5)]
    lines = summarise(skips).splitlines()
    assert lines[2] == (
        "    in tests.faults.test_0, tests.faults.test_1, tests.faults.test_2 and 2 more"
    )


def test_notes_are_stage_and_reason_lines(tmp_path: Path) -> None:
    notes = tmp_path / "skipped.txt"
    notes.write_text("acceptance: ../shared/acceptance not found\n\n", encoding="utf-8")
    assert read_notes(notes) == [Skip("acceptance", "", "../shared/acceptance not found")]
    assert read_notes(tmp_path / "absent.txt") == []


def test_reports_are_read_in_the_order_the_stages_ran(tmp_path: Path) -> None:
    write(tmp_path, "unit.xml", junit(), 10)
    write(tmp_path, "faults.xml", junit(), 30)
    write(tmp_path, "live.xml", junit(), 20)
    assert [p.stem for p in stage_reports(tmp_path)] == ["unit", "live", "faults"]


def test_ran_fails_a_stage_whose_tests_were_all_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = write(
        tmp_path, "scale.xml", junit(skipped("tests.scale.test_scale_out", "t", "no SCALE_URL")), 1
    )
    assert main(["ran", str(report)]) == 1
    err = capsys.readouterr().err
    assert "stage 'scale' must run tests but ran none (all 1 were skipped)" in err
    assert "no SCALE_URL" in err


def test_ran_fails_a_stage_that_collected_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = write(tmp_path, "postgres.xml", junit(), 1)
    assert main(["ran", str(report)]) == 1
    err = capsys.readouterr().err
    assert "stage 'postgres' must run tests but ran none (none collected)" in err


def test_ran_passes_a_stage_that_ran_a_test(tmp_path: Path) -> None:
    cases = junit(passed("tests.a", "t"), skipped("tests.b", "u", "x"))
    report = write(tmp_path, "unit.xml", cases, 1)
    assert main(["ran", str(report)]) == 0


def test_summary_command_reads_every_report_and_the_notes(tmp_path: Path) -> None:
    redis_skip = skipped("tests.bot.stores.test_lock_redis", "t", REDIS)
    write(tmp_path, "unit.xml", junit(redis_skip), 10)
    write(tmp_path, "live.xml", junit(passed("tests.live.test_health", "t")), 20)
    (tmp_path / "skipped.txt").write_text("acceptance: no sample\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "bot.devtools.stages", "summary", str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert result.stdout.splitlines() == [
        "Skipped: 2",
        f"  unit, 1 test: {REDIS}",
        "    in tests.bot.stores.test_lock_redis",
        "  acceptance: no sample",
    ]
