"""Tests for bot.rules.loader: validation errors with lines, transactional and idempotent loads."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from bot.rules.loader import DEFAULT_RULES_FILE, RulesFileInvalid, ensure_loaded, load, validate
from bot.rules.models import Province, ProvinceAlias, ProvinceRule
from bot.rules.repository import RulesRepository

SHIPPED_TEXT = DEFAULT_RULES_FILE.read_text(encoding="utf-8")
# The shipped line, so the cases below survive the date being updated.
VALID_AS_OF = f"valid_as_of: {yaml.safe_load(SHIPPED_TEXT)['valid_as_of'].isoformat()}"

BEIJING = "key: beijing"
MULTI_DOMAIN_SOURCE = (
    '  multi_domain: "Considerations for completing the authenticity verification form"\n'
)


def test_shipped_file_is_valid(shipped_file: Path) -> None:
    assert validate(shipped_file) == []


def test_shipped_sources_are_faq_section_headings(shipped_file: Path) -> None:
    faq = shipped_file.parents[2] / "shared" / "seed" / "icp-document-upload-faq.md"
    if not faq.exists():
        pytest.skip(f"FAQ not found at {faq}")
    headings = {
        line[3:].split(" {#")[0]
        for line in faq.read_text(encoding="utf-8").splitlines()
        if line.startswith("## ")
    }
    sources = yaml.safe_load(shipped_file.read_text(encoding="utf-8"))["sources"]
    assert set(sources.values()) <= headings


@dataclass(frozen=True)
class Case:
    """Replace ``old`` (first found after ``after``) by ``new``; expect ``message`` at a line.

    The expected line is the edited line plus ``offset``, or the line of ``expect_at`` (searched
    from ``after``) when given.
    """

    old: str
    new: str
    message: str
    after: str | None = None
    expect_at: str | None = None
    offset: int = 0


CASES = {
    "unknown top-level key": Case(
        "version: 1\n", "flavour: plain\nversion: 1\n", "unknown key 'flavour' in the top level"
    ),
    "unknown province field": Case(
        "    kind: municipality\n",
        "    capital: Beijing\n    kind: municipality\n",
        "unknown key 'capital' in province 'beijing'",
        after=BEIJING,
    ),
    "unknown rule topic": Case(
        "      app_upload:",
        "      fax_upload: available\n      app_upload:",
        "unknown rule topic 'fax_upload' in province 'beijing'",
        after=BEIJING,
    ),
    "unknown province key": Case("key: tibet", "key: xizang", "unknown province key 'xizang'"),
    "duplicate province key": Case(
        "key: tianjin", "key: beijing", "duplicate province key 'beijing' (first at line 22)"
    ),
    "alias used by two provinces": Case(
        "[天津市, 津]",
        "[天津市, 津, 京]",
        "duplicate alias '京': already used by province 'beijing'",
    ),
    "alias equal to another province's name": Case(
        "[陕西省, 陕, 秦]",
        "[陕西省, 陕, 秦, Shan Xi]",
        "duplicate alias 'Shan Xi': already used by province 'shanxi'",
    ),
    "shaanxi spelled as shanxi": Case(
        "pinyin: Shaanxi",
        "pinyin: Shanxi",
        "duplicate name 'Shanxi': already used by province 'shanxi'",
    ),
    "missing rule topic": Case(
        "      multi_domain: attach_list\n",
        "",
        "missing rule topic 'multi_domain' in province 'beijing'",
        after=BEIJING,
        expect_at="    rules:",
    ),
    "unknown rule value": Case(
        "multi_domain: attach_list",
        "multi_domain: stapled",
        "unknown value 'stapled' for rule 'multi_domain' of province 'beijing'",
        after=BEIJING,
    ),
    "value of another topic": Case(
        "app_upload: to_be_determined",
        "app_upload: official_seal",
        "unknown value 'official_seal' for rule 'app_upload'",
        after=BEIJING,
    ),
    "missing source": Case(
        MULTI_DOMAIN_SOURCE,
        "",
        "missing source for rule topic 'multi_domain'",
        expect_at="sources:",
    ),
    "empty source": Case(
        MULTI_DOMAIN_SOURCE, '  multi_domain: ""\n', "source for rule topic 'multi_domain'"
    ),
    "unknown kind": Case(
        "kind: municipality",
        "kind: city",
        "unknown kind 'city' of province 'beijing'",
        after=BEIJING,
    ),
    "missing province field": Case(
        "    name_zh: 北京\n", "", "missing key 'name_zh' in province 'beijing'", expect_at=BEIJING
    ),
    "repeated yaml key": Case(
        "      app_upload: to_be_determined\n",
        "      app_upload: available\n      app_upload: to_be_determined\n",
        "duplicate rule topic 'app_upload' in province 'beijing'",
        after=BEIJING,
        offset=1,
    ),
    "unsupported version": Case("version: 1\n", "version: 2\n", "unsupported version 2"),
    "valid_as_of not a date": Case(
        VALID_AS_OF,
        "valid_as_of: last winter",
        "valid_as_of must be a date written YYYY-MM-DD, not 'last winter'",
    ),
    "valid_as_of impossible date": Case(
        VALID_AS_OF,
        'valid_as_of: "2026-02-30"',
        "valid_as_of must be a date written YYYY-MM-DD, not '2026-02-30'",
    ),
    "valid_as_of with a time": Case(
        VALID_AS_OF,
        f"{VALID_AS_OF} 10:00:00",
        "valid_as_of must be a date written YYYY-MM-DD",
    ),
    "missing valid_as_of": Case(
        f"{VALID_AS_OF}\n",
        "",
        "missing key 'valid_as_of' in the top level",
        expect_at="version: 1",
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_error_names_line_and_problem(case: Case, edited_yaml, line_of, shipped_text) -> None:
    path, edited_line = edited_yaml(case.old, case.new, case.after)
    if case.expect_at is not None:
        expected_line = line_of(shipped_text, case.expect_at, case.after)
    else:
        expected_line = edited_line + case.offset

    errors = validate(path)

    assert [(e.file, e.line) for e in errors if case.message in e.message] == [
        (str(path), expected_line)
    ], errors


def test_unknown_province_key_also_reports_the_missing_province(edited_yaml, line_of, shipped_text):
    path, line = edited_yaml("key: tibet", "key: xizang")

    messages = [(e.line, e.message) for e in validate(path)]

    assert messages == [
        (line_of(shipped_text, "provinces:"), "missing province 'tibet'"),
        (line, "unknown province key 'xizang' (expected one of the 31 keys listed in "
               "docs/ARCHITECTURE.md)"),
    ]


def test_missing_province(tmp_path: Path, shipped_text: str, line_of) -> None:
    start = shipped_text.index("  - key: tibet\n")
    end = shipped_text.index("  - key: shaanxi\n")
    path = tmp_path / "provinces.yml"
    path.write_text(shipped_text[:start] + shipped_text[end:], encoding="utf-8")

    errors = validate(path)

    assert [(e.line, e.message) for e in errors] == [
        (line_of(shipped_text, "provinces:"), "missing province 'tibet'")
    ]


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("version: 1\nprovinces:\n\t- key: beijing\n", 3, "found character '\\t'"),
        ("version: 1\nsources: {app_upload: x\nprovinces: []\n", 3, "expected ',' or '}'"),
        ("version: 1\nprovinces: [\n", 3, "expected the node content"),
    ],
    ids=["tab", "unclosed mapping", "unclosed list"],
)
def test_bad_yaml_syntax_reports_yaml_line(tmp_path: Path, text: str, line: int, problem: str):
    path = tmp_path / "broken.yml"
    path.write_text(text, encoding="utf-8")

    errors = validate(path)

    assert len(errors) == 1
    assert errors[0].line == line
    assert errors[0].message.startswith("invalid YAML")
    assert problem in errors[0].message
    assert str(errors[0]).startswith(f"{path}:{line}: invalid YAML")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file must be a mapping"),
        ("- beijing\n", "the file must be a mapping"),
        ("version: 1\nsources: []\nprovinces: {}\n", "'sources' must map each rule topic"),
    ],
    ids=["empty", "list", "wrong shapes"],
)
def test_wrong_structure_is_reported_not_raised(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "odd.yml"
    path.write_text(text, encoding="utf-8")

    assert any(message in e.message for e in validate(path))


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    [error] = validate(tmp_path / "nope.yml")
    assert error.line == 1 and "cannot read file" in error.message


def _counts(engine) -> tuple[int, int, int]:
    with Session(engine) as session:
        return tuple(
            session.scalar(select(func.count()).select_from(model))
            for model in (Province, ProvinceAlias, ProvinceRule)
        )


def test_load_reports_what_it_wrote(engine, shipped_file: Path, shipped_text: str) -> None:
    data = yaml.safe_load(shipped_text)

    report = load(shipped_file, engine)

    alias_count = sum(len(p["aliases"]) for p in data["provinces"])
    assert (report.provinces, report.aliases, report.rules) == (31, alias_count, 31 * 4)
    assert _counts(engine) == (31, alias_count, 124)


def test_load_twice_is_idempotent(engine, shipped_file: Path, db_snapshot) -> None:
    load(shipped_file, engine)
    first = db_snapshot(engine)

    load(shipped_file, engine)

    assert db_snapshot(engine) == first
    assert _counts(engine) == (len(first["provinces"]), len(first["aliases"]), len(first["rules"]))


def test_invalid_file_leaves_database_unchanged(loaded_engine, edited_yaml, db_snapshot) -> None:
    before = db_snapshot(loaded_engine)
    path, _ = edited_yaml("multi_domain: attach_list", "multi_domain: stapled", after=BEIJING)

    with pytest.raises(RulesFileInvalid) as raised:
        load(path, loaded_engine)

    assert any("stapled" in e.message for e in raised.value.errors)
    assert db_snapshot(loaded_engine) == before


def test_bad_yaml_syntax_leaves_database_unchanged(loaded_engine, tmp_path: Path, db_snapshot):
    before = db_snapshot(loaded_engine)
    path = tmp_path / "broken.yml"
    path.write_text("version: 1\nprovinces: [\n", encoding="utf-8")

    with pytest.raises(RulesFileInvalid):
        load(path, loaded_engine)

    assert db_snapshot(loaded_engine) == before


def test_failure_during_load_rolls_back_everything(loaded_engine, edited_yaml, db_snapshot):
    before = db_snapshot(loaded_engine)
    path, _ = edited_yaml("app_upload: to_be_determined", "app_upload: available", after=BEIJING)

    def fail_on_meta_write(conn, cursor, statement, *args) -> None:
        if statement.lstrip().upper().startswith(("INSERT INTO META", "UPDATE META")):
            raise RuntimeError("simulated crash after provinces were written")

    event.listen(loaded_engine, "before_cursor_execute", fail_on_meta_write)
    try:
        with pytest.raises(RuntimeError, match="simulated crash"):
            load(path, loaded_engine)
    finally:
        event.remove(loaded_engine, "before_cursor_execute", fail_on_meta_write)

    assert db_snapshot(loaded_engine) == before


def test_reload_applies_changes_and_keeps_province_ids(loaded_engine, edited_yaml):
    def beijing_row():
        with Session(loaded_engine) as session:
            province = session.scalars(select(Province).where(Province.key == "beijing")).one()
            return province.id, {rule.topic: rule.value for rule in province.rules}

    old_id, _ = beijing_row()
    path, _ = edited_yaml("app_upload: to_be_determined", "app_upload: available", after=BEIJING)

    load(path, loaded_engine)

    new_id, rules = beijing_row()
    assert new_id == old_id
    assert rules["app_upload"] == "available"


def test_load_stores_valid_as_of_and_reload_updates_it(loaded_engine, edited_yaml) -> None:
    repository = RulesRepository(loaded_engine, cache_ttl=0)
    assert repository.valid_as_of() == yaml.safe_load(SHIPPED_TEXT)["valid_as_of"]

    path, _ = edited_yaml(VALID_AS_OF, 'valid_as_of: "2031-07-04"')
    load(path, loaded_engine)

    assert repository.valid_as_of() == datetime.date(2031, 7, 4)


def test_ensure_loaded_loads_only_when_needed(engine, shipped_file: Path, edited_yaml) -> None:
    assert ensure_loaded(engine, shipped_file) is not None
    assert ensure_loaded(engine, shipped_file) is None

    changed, _ = edited_yaml("app_upload: to_be_determined", "app_upload: available", after=BEIJING)
    report = ensure_loaded(engine, changed)

    assert report is not None and report.provinces == 31
    assert ensure_loaded(engine, changed) is None


def test_ensure_loaded_reloads_an_emptied_database(loaded_engine, shipped_file: Path) -> None:
    with Session(loaded_engine) as session, session.begin():
        for province in session.scalars(select(Province)):
            session.delete(province)

    assert ensure_loaded(loaded_engine, shipped_file) is not None
    assert _counts(loaded_engine)[0] == 31
