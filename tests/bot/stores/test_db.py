"""Tests for bot.stores.db: URL configuration, the cached engine and error translation."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import future, text

from bot.stores import db
from bot.stores.db import (
    RulesUnavailable,
    create_engine_for,
    database_url,
    get_engine,
    reset_engine,
    translate_db_errors,
)
from bot import settings


@pytest.fixture(autouse=True)
def fresh_engine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.delenv("RULES_DB_URL", raising=False)
    monkeypatch.setattr(db, "DEFAULT_DB_PATH", tmp_path / "var" / "rules.db")
    reset_engine()
    yield
    reset_engine()


def test_default_url_is_sqlite_file_in_var() -> None:
    assert database_url() == f"sqlite:///{settings.VAR_DIR / 'rules.db'}"


def test_default_engine_creates_var_directory(monkeypatch, tmp_path: Path) -> None:
    # The default file (patched to a temporary var/) is the one created on demand.
    monkeypatch.setenv("RULES_DB_URL", f"sqlite:///{tmp_path / 'var' / 'rules.db'}")
    engine = get_engine()

    assert (tmp_path / "var").is_dir()
    assert engine.url.database == str(tmp_path / "var" / "rules.db")


def test_env_var_naming_the_default_file_also_creates_var(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RULES_DB_URL", f"sqlite:///{tmp_path}/./var/rules.db")

    get_engine()

    assert (tmp_path / "var").is_dir()


def test_env_var_selects_database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RULES_DB_URL", f"sqlite:///{tmp_path / 'custom.db'}")

    assert get_engine().url.database == str(tmp_path / "custom.db")
    assert not (tmp_path / "var").exists()


def test_engine_is_cached_until_reset(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    first = get_engine()
    assert get_engine() is first

    monkeypatch.setenv("RULES_DB_URL", f"sqlite:///{tmp_path / 'other.db'}")
    assert get_engine() is first
    reset_engine()

    assert get_engine() is not first
    assert get_engine().url.database == str(tmp_path / "other.db")


def test_sqlite_connections_may_move_between_threads(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'threads.db'}")
    connection = engine.raw_connection()
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            rows = pool.submit(lambda: connection.cursor().execute("select 1").fetchall()).result()
        assert rows == [(1,)]
    finally:
        connection.close()
        engine.dispose()


def test_engines_are_2_0_style(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'future.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("select 1")).scalar_one() == 1
    assert isinstance(engine, future.Engine)


@pytest.mark.parametrize("url", ["not a url", "nosuchdb://user:secret@host/db"])
def test_bad_url_raises_rules_unavailable_without_echoing_it(url: str) -> None:
    with pytest.raises(RulesUnavailable) as raised:
        create_engine_for(url)
    assert "secret" not in str(raised.value)


def test_postgres_driver_is_not_needed_at_import() -> None:
    code = "import sys, bot.rules, bot.rules.loader; assert 'psycopg2' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=settings.ROOT, check=True)


def test_translate_db_errors_wraps_database_errors(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'errors.db'}")
    try:
        with pytest.raises(RulesUnavailable, match="no such table"):
            with translate_db_errors(), engine.connect() as connection:
                connection.execute(text("select * from provinces"))
    finally:
        engine.dispose()
