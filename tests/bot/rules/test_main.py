"""Tests for the ``python -m bot.rules`` command line (bot/rules/__main__.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.rules.__main__ import main
from bot.settings import ROOT as REPO_ROOT
from bot.stores.db import reset_engine
from bot.rules.loader import DEFAULT_RULES_FILE

VALID_AS_OF = yaml.safe_load(DEFAULT_RULES_FILE.read_text(encoding="utf-8"))["valid_as_of"]


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


@pytest.fixture
def loaded_db_url(db_url: str, shipped_file: Path) -> str:
    assert main(["load", "--file", str(shipped_file), "--db", db_url]) == 0
    return db_url


def test_validate_shipped_file(shipped_file: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["validate", "--file", str(shipped_file)]) == 0
    assert "OK, 31 provinces with 4 rule topics each" in capsys.readouterr().out


def test_validate_prints_file_line_message(edited_yaml, capsys: pytest.CaptureFixture) -> None:
    path, line = edited_yaml("multi_domain: attach_list", "multi_domain: stapled",
                             after="key: beijing")

    assert main(["validate", "--file", str(path)]) == 1

    out, err = capsys.readouterr()
    assert out.splitlines() == [
        f"{path}:{line}: unknown value 'stapled' for rule 'multi_domain' of province 'beijing' "
        "(expected one of: single_form, widened_form, attach_list)"
    ]
    assert "1 error(s)" in err


def test_load_reports_counts(db_url: str, shipped_file: Path, capsys) -> None:
    assert main(["load", "--file", str(shipped_file), "--db", db_url]) == 0
    assert "loaded 31 provinces" in capsys.readouterr().out


def test_load_refuses_invalid_file(db_url: str, edited_yaml, capsys) -> None:
    path, line = edited_yaml("key: tibet", "key: xizang")

    assert main(["load", "--file", str(path), "--db", db_url]) == 1

    out, err = capsys.readouterr()
    assert f"{path}:{line}: unknown province key 'xizang'" in out
    assert "not loaded" in err


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("guangdong", ["Guangdong (广东)", "Canton", "individual_signing: sign_with_declaration",
                       "app_upload: available", "multi_domain: attach_list",
                       "source: Upload documents with the Alibaba Cloud application and verify "
                       "the website owner.",
                       "source: Considerations for completing the authenticity verification form"]),
        ("Xizang", ["Tibet (西藏)", "key:     tibet", "pinyin:  Xizang", "西藏自治区"]),
        ("内蒙古自治区", ["Inner Mongolia (内蒙古)", "Nei Mongol", "multi_domain: single_form"]),
        ("秦", ["Shaanxi (陕西)", "key:     shaanxi"]),
        ("Shanxi", ["Shanxi (山西)", "key:     shanxi"]),
        ("Jiangxi", ["individual_signing: sign_with_fingerprint", "multi_domain: widened_form"]),
        ("Hebei", [f"rules valid as of: {VALID_AS_OF}"]),
    ],
)
def test_show_province(loaded_db_url: str, capsys, name: str, expected: list[str]) -> None:
    assert main(["show", name, "--db", loaded_db_url]) == 0

    out = capsys.readouterr().out
    for fragment in expected:
        assert fragment in out


def test_show_unknown_province(loaded_db_url: str, capsys) -> None:
    assert main(["show", "Hong Kong", "--db", loaded_db_url]) == 2

    err = capsys.readouterr().err
    assert "unknown province 'Hong Kong'" in err
    assert "guangdong" in err and "inner_mongolia" in err


def test_show_without_database(tmp_path: Path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'missing' / 'rules.db'}"

    assert main(["show", "guangdong", "--db", url]) == 3

    assert "python -m bot.rules load" in capsys.readouterr().err


def test_db_defaults_to_rules_db_url(monkeypatch, db_url: str, shipped_file: Path, capsys) -> None:
    monkeypatch.setenv("RULES_DB_URL", db_url)
    reset_engine()
    try:
        assert main(["load", "--file", str(shipped_file)]) == 0
        assert main(["show", "粤"]) == 0
    finally:
        reset_engine()
    assert "Guangdong (广东)" in capsys.readouterr().out


def test_module_entry_point(loaded_db_url: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.rules", "show", "藏", "--db", loaded_db_url],
        cwd=REPO_ROOT, capture_output=True, text=True, encoding="utf-8", check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Tibet (西藏)" in result.stdout


def test_unknown_command_is_a_usage_error(capsys) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["frobnicate"])
    assert raised.value.code == 2
