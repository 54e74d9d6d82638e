"""The rules store on PostgreSQL: same load and queries as on SQLite, same answers.

Set ``RULES_TEST_PG_URL`` to a disposable database, e.g.
``postgresql+psycopg2://postgres@localhost/rules_test``; the tests drop and recreate the rules
tables there.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url

from bot.stores.db import create_engine_for
from bot.rules.loader import RulesFileInvalid, ensure_loaded, load
from bot.rules.models import Base
from bot.rules.repository import RulesRepository, RulesUnavailable

PG_URL = os.environ.get("RULES_TEST_PG_URL")

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not PG_URL,
        reason="RULES_TEST_PG_URL is not set (point it at a disposable PostgreSQL database, e.g. "
        "postgresql+psycopg2://postgres@localhost/rules_test)",
    ),
]


@pytest.fixture
def pg_engine() -> Iterator[Engine]:
    engine = create_engine_for(PG_URL)
    Base.metadata.drop_all(engine)
    yield engine
    Base.metadata.drop_all(engine)
    engine.dispose()


def test_same_answers_as_sqlite(pg_engine: Engine, shipped_file: Path, repo: RulesRepository):
    load(shipped_file, pg_engine)
    pg = RulesRepository(pg_engine, cache_ttl=0)

    pg.ping()
    assert len(pg.provinces()) == 31
    assert pg.provinces() == repo.provinces()
    for province in repo.provinces():
        assert pg.province(province.key) == province
        for name in (province.key, province.name_en, province.pinyin, province.name_zh,
                     *province.aliases, province.name_en.upper()):
            assert pg.find_province(name) == province, name
    assert pg.find_province("Shanxi").key == "shanxi"
    assert pg.find_province("Shaanxi").key == "shaanxi"
    assert pg.find_province("Hong Kong") is None


def test_loads_are_idempotent_and_atomic(pg_engine: Engine, shipped_file: Path, edited_yaml,
                                        db_snapshot) -> None:
    load(shipped_file, pg_engine)
    loaded = db_snapshot(pg_engine)
    load(shipped_file, pg_engine)
    assert db_snapshot(pg_engine) == loaded

    invalid, _ = edited_yaml("multi_domain: attach_list", "multi_domain: stapled")
    with pytest.raises(RulesFileInvalid):
        load(invalid, pg_engine)
    assert db_snapshot(pg_engine) == loaded

    changed, _ = edited_yaml("app_upload: to_be_determined", "app_upload: available")

    def fail_on_meta_write(conn, cursor, statement, *args) -> None:
        if statement.lstrip().upper().startswith(("INSERT INTO META", "UPDATE META")):
            raise RuntimeError("simulated crash after provinces were written")

    event.listen(pg_engine, "before_cursor_execute", fail_on_meta_write)
    try:
        with pytest.raises(RuntimeError, match="simulated crash"):
            load(changed, pg_engine)
    finally:
        event.remove(pg_engine, "before_cursor_execute", fail_on_meta_write)
    assert db_snapshot(pg_engine) == loaded

    assert ensure_loaded(pg_engine, shipped_file) is None
    assert ensure_loaded(pg_engine, changed) is not None
    assert db_snapshot(pg_engine) != loaded


def test_unreachable_server_raises_rules_unavailable() -> None:
    # Port 1 on localhost refuses connections at once.
    url = make_url(PG_URL).set(host="127.0.0.1", port=1)
    engine = create_engine_for(url.render_as_string(hide_password=False))
    try:
        with pytest.raises(RulesUnavailable):
            RulesRepository(engine).ping()
    finally:
        engine.dispose()
