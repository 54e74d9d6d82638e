"""Shared fixtures for the province rules store tests: throwaway SQLite databases and YAML edits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.stores.db import create_engine_for
from bot.rules.loader import DEFAULT_RULES_FILE, load
from bot.rules.models import Meta, Province, ProvinceAlias, ProvinceRule
from bot.rules.repository import RulesRepository

SHIPPED_FILE = DEFAULT_RULES_FILE


def _line_of(text: str, needle: str, after: str | None = None) -> int:
    start = text.index(after) if after is not None else 0
    return text.count("\n", 0, text.index(needle, start)) + 1


def _snapshot(engine: Engine) -> dict[str, set[tuple]]:
    with Session(engine) as session:
        return {
            "provinces": set(
                session.execute(
                    select(Province.id, Province.key, Province.name_en, Province.name_zh,
                           Province.pinyin, Province.kind)
                ).all()
            ),
            "aliases": set(
                session.execute(select(ProvinceAlias.province_id, ProvinceAlias.alias)).all()
            ),
            "rules": set(
                session.execute(
                    select(ProvinceRule.province_id, ProvinceRule.topic, ProvinceRule.value,
                           ProvinceRule.source)
                ).all()
            ),
            "meta": set(session.execute(select(Meta.key, Meta.value)).all()),
        }


@pytest.fixture
def line_of() -> Callable[..., int]:
    """``line_of(text, needle, after=None)``: 1-based line of ``needle`` (from ``after`` on)."""
    return _line_of


@pytest.fixture
def db_snapshot() -> Callable[[Engine], dict[str, set[tuple]]]:
    """``db_snapshot(engine)``: every row of the rules tables, to compare database states."""
    return _snapshot


@pytest.fixture
def shipped_file() -> Path:
    return SHIPPED_FILE


@pytest.fixture
def shipped_text() -> str:
    return SHIPPED_FILE.read_text(encoding="utf-8")


@pytest.fixture
def edited_yaml(tmp_path: Path, shipped_text: str) -> Callable[..., tuple[Path, int]]:
    """Write the shipped YAML with one replacement; return the new file and the edited line."""

    def edit(old: str, new: str, after: str | None = None) -> tuple[Path, int]:
        line = _line_of(shipped_text, old, after)
        start = shipped_text.index(after) if after is not None else 0
        position = shipped_text.index(old, start)
        path = tmp_path / "provinces.yml"
        path.write_text(
            shipped_text[:position] + new + shipped_text[position + len(old):], encoding="utf-8"
        )
        return path, line

    return edit


@pytest.fixture
def loaded_engine(engine: Engine) -> Engine:
    load(SHIPPED_FILE, engine)
    return engine


@pytest.fixture(scope="session")
def shared_loaded_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A database loaded once from the shipped file; tests using it must not write to it."""
    engine = create_engine_for(f"sqlite:///{tmp_path_factory.mktemp('shared') / 'rules.db'}")
    load(SHIPPED_FILE, engine)
    yield engine
    engine.dispose()


@pytest.fixture
def repo(shared_loaded_engine: Engine) -> RulesRepository:
    """Uncached repository over the shared read-only database."""
    return RulesRepository(shared_loaded_engine, cache_ttl=0)
