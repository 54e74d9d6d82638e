"""Validate ``data/provinces.yml`` and load it into the rules database.

Validation reports every problem with its file and line so the YAML can be fixed in one pass;
loading refuses invalid files and replaces the stored rules in a single transaction.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot import settings
from bot.stores.db import translate_db_errors
from bot.rules.models import (
    PROVINCE_KEYS,
    PROVINCE_KINDS,
    RULE_TOPICS,
    RULE_VALUES,
    VALID_AS_OF_META_KEY,
    Base,
    Meta,
    Province,
    ProvinceAlias,
    ProvinceRule,
)
from bot.rules.repository import normalize_name

DEFAULT_RULES_FILE = settings.DATA_DIR / "provinces.yml"
SUPPORTED_VERSION = 1
FILE_HASH_META_KEY = "provinces_yml_sha256"

TOP_LEVEL_KEYS = ("version", "valid_as_of", "sources", "provinces")
PROVINCE_FIELDS = ("key", "name_en", "name_zh", "pinyin", "kind", "aliases", "rules")
NAME_FIELDS = ("key", "name_en", "name_zh", "pinyin")


@dataclass(frozen=True)
class ValidationError:
    """One problem in a rules file.

    Attributes:
        file: Path of the file as given to :func:`validate`.
        line: 1-based line the problem is reported at.
        message: What is wrong.
    """

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass(frozen=True)
class LoadReport:
    """What :func:`load` wrote.

    Attributes:
        provinces: Number of provinces stored.
        aliases: Number of aliases stored.
        rules: Number of rules stored.
        file_hash: SHA-256 of the loaded file.
    """

    provinces: int
    aliases: int
    rules: int
    file_hash: str


class RulesFileInvalid(ValueError):
    """The rules file has validation errors, so nothing was loaded."""

    def __init__(self, errors: list[ValidationError]) -> None:
        super().__init__("\n".join(str(error) for error in errors))
        self.errors = errors


class _Mapping(dict):
    """A YAML mapping that remembers where it and each of its keys are."""

    line: int
    key_lines: dict[Any, int]
    duplicate_keys: list[tuple[Any, int, int]]


class _Sequence(list):
    """A YAML sequence that remembers where it and each of its items are."""

    line: int
    item_lines: list[int]


class _LineLoader(yaml.SafeLoader):
    """SafeLoader whose mappings and sequences carry 1-based line numbers."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode):
    mapping = _Mapping()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    mapping.duplicate_keys = []
    yield mapping
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        try:
            first_line = mapping.key_lines.get(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "mapping keys must be plain values", key_node.start_mark
            ) from None
        if first_line is not None:
            # PyYAML would silently keep the last value; a repeated key is almost always a typo.
            mapping.duplicate_keys.append((key, line, first_line))
            continue
        mapping.key_lines[key] = line
        mapping[key] = loader.construct_object(value_node, deep=True)


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode):
    sequence = _Sequence()
    sequence.line = node.start_mark.line + 1
    sequence.item_lines = [item.start_mark.line + 1 for item in node.value]
    yield sequence
    sequence.extend(loader.construct_object(item, deep=True) for item in node.value)


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def as_date(value: Any) -> datetime.date | None:
    """Return ``value`` as a date if it is one or an ISO ``YYYY-MM-DD`` string, else ``None``.

    YAML already turns an unquoted ``2026-12-01`` into a date; a quoted one stays a string.
    """
    if isinstance(value, datetime.datetime):
        return None  # a time of day means someone wrote something other than a date
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and len(value) == 10:
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


class _Validator:
    """Walks a parsed rules file and collects every problem in it."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.errors: list[ValidationError] = []
        # normalised name -> (province key, line), to catch one name used by two provinces
        self.names: dict[str, tuple[str, int]] = {}

    def error(self, line: int, message: str) -> None:
        self.errors.append(ValidationError(self.file, line, message))

    def check_keys(self, mapping: _Mapping, allowed: tuple[str, ...], where: str) -> None:
        for key, line, first_line in mapping.duplicate_keys:
            self.error(line, f"duplicate key {key!r} in {where} (first at line {first_line})")
        for key, line in mapping.key_lines.items():
            if key not in allowed:
                self.error(line, f"unknown key {key!r} in {where} (allowed: {', '.join(allowed)})")

    def require(self, mapping: _Mapping, keys: tuple[str, ...], where: str) -> None:
        for key in keys:
            if key not in mapping:
                self.error(mapping.line, f"missing key {key!r} in {where}")

    def document(self, data: Any) -> None:
        if not isinstance(data, _Mapping):
            keys = ", ".join(TOP_LEVEL_KEYS)
            self.error(getattr(data, "line", 1), f"the file must be a mapping with keys: {keys}")
            return
        self.check_keys(data, TOP_LEVEL_KEYS, "the top level")
        self.require(data, TOP_LEVEL_KEYS, "the top level")
        version = data.get("version", SUPPORTED_VERSION)
        # bool is an int subclass and YAML turns `true` into True, which equals 1.
        if type(version) is not int or version != SUPPORTED_VERSION:
            message = f"unsupported version {version!r} (expected {SUPPORTED_VERSION})"
            self.error(data.key_lines["version"], message)
        if "valid_as_of" in data:
            self.valid_as_of(data["valid_as_of"], data.key_lines["valid_as_of"])
        if "sources" in data:
            self.sources(data["sources"], data.key_lines["sources"])
        if "provinces" in data:
            self.provinces(data["provinces"], data.key_lines["provinces"])

    def valid_as_of(self, value: Any, line: int) -> None:
        if as_date(value) is None:
            message = f"valid_as_of must be a date written YYYY-MM-DD, not {value!r}"
            self.error(line, message)

    def sources(self, sources: Any, line: int) -> None:
        if not isinstance(sources, _Mapping):
            self.error(line, "'sources' must map each rule topic to its FAQ section heading")
            return
        self.check_keys(sources, RULE_TOPICS, "sources")
        for topic in RULE_TOPICS:
            if topic not in sources:
                self.error(line, f"missing source for rule topic {topic!r}")
            elif not _is_text(sources[topic]):
                message = f"source for rule topic {topic!r} must be a FAQ section heading"
                self.error(sources.key_lines[topic], message)

    def provinces(self, provinces: Any, line: int) -> None:
        if not isinstance(provinces, _Sequence):
            self.error(line, "'provinces' must be a list of provinces")
            return
        first_seen: dict[str, int] = {}
        for entry, entry_line in zip(provinces, provinces.item_lines):
            key = self.province(entry, entry_line, first_seen)
            if key is not None:
                first_seen[key] = entry_line
        for key in PROVINCE_KEYS:
            if key not in first_seen:
                self.error(line, f"missing province {key!r}")

    def province(self, entry: Any, line: int, first_seen: dict[str, int]) -> str | None:
        """Check one province entry; return its key if it is a new, known one."""
        if not isinstance(entry, _Mapping):
            self.error(line, "each province must be a mapping")
            return None
        key = entry.get("key")
        where = f"province {key!r}" if isinstance(key, str) else "province"
        self.check_keys(entry, PROVINCE_FIELDS, where)
        self.require(entry, PROVINCE_FIELDS, where)
        for field in NAME_FIELDS:
            if field in entry and not _is_text(entry[field]):
                self.error(entry.key_lines[field], f"{field} of {where} must be non-empty text")
        if "kind" in entry and entry["kind"] not in PROVINCE_KINDS:
            expected = ", ".join(PROVINCE_KINDS)
            message = f"unknown kind {entry['kind']!r} of {where} (expected one of: {expected})"
            self.error(entry.key_lines["kind"], message)
        if "rules" in entry:
            self.rules(entry["rules"], entry.key_lines["rules"], where)
        if not isinstance(key, str):
            return None
        if key not in PROVINCE_KEYS:
            message = (
                f"unknown province key {key!r} "
                "(expected one of the 31 keys listed in docs/ARCHITECTURE.md)"
            )
            self.error(entry.key_lines["key"], message)
            return None
        if key in first_seen:
            message = f"duplicate province key {key!r} (first at line {first_seen[key]})"
            self.error(entry.key_lines["key"], message)
            return None
        self.names_of(entry, key)
        return key

    def names_of(self, entry: _Mapping, key: str) -> None:
        for field in NAME_FIELDS:
            if _is_text(entry.get(field)):
                self.claim(entry[field], key, entry.key_lines[field], "name")
        aliases = entry.get("aliases")
        if aliases is None:
            return
        if not isinstance(aliases, _Sequence):
            self.error(entry.key_lines["aliases"], f"aliases of province {key!r} must be a list")
            return
        own_aliases: dict[str, int] = {}
        for alias, line in zip(aliases, aliases.item_lines):
            if not _is_text(alias):
                self.error(line, f"aliases of province {key!r} must be non-empty text")
                continue
            normalized = normalize_name(alias)
            if normalized in own_aliases:
                message = (
                    f"duplicate alias {alias!r} in province {key!r} "
                    f"(first at line {own_aliases[normalized]})"
                )
                self.error(line, message)
                continue
            own_aliases[normalized] = line
            self.claim(alias, key, line, "alias")

    def claim(self, name: str, key: str, line: int, what: str) -> None:
        normalized = normalize_name(name)
        owner, owner_line = self.names.setdefault(normalized, (key, line))
        if owner != key:
            message = (
                f"duplicate {what} {name!r}: already used by province {owner!r} (line {owner_line})"
            )
            self.error(line, message)

    def rules(self, rules: Any, line: int, where: str) -> None:
        if not isinstance(rules, _Mapping):
            self.error(line, f"rules of {where} must map each rule topic to a value")
            return
        for topic, duplicate_line, first_line in rules.duplicate_keys:
            message = f"duplicate rule topic {topic!r} in {where} (first at line {first_line})"
            self.error(duplicate_line, message)
        for topic, topic_line in rules.key_lines.items():
            if topic not in RULE_VALUES:
                expected = ", ".join(RULE_TOPICS)
                message = f"unknown rule topic {topic!r} in {where} (expected one of: {expected})"
                self.error(topic_line, message)
            elif rules[topic] not in RULE_VALUES[topic]:
                expected = ", ".join(RULE_VALUES[topic])
                message = (
                    f"unknown value {rules[topic]!r} for rule {topic!r} of {where} "
                    f"(expected one of: {expected})"
                )
                self.error(topic_line, message)
            elif (topic, rules[topic]) in _unhandled_rule_values():
                message = (
                    f"value {rules[topic]!r} for rule {topic!r} of {where} has no response that "
                    "answers it (add it to bot/core/tailoring.py)"
                )
                self.error(topic_line, message)
        for topic in RULE_TOPICS:
            if topic not in rules:
                self.error(line, f"missing rule topic {topic!r} in {where}")


def _parse(raw: bytes, file: str) -> tuple[Any, list[ValidationError]]:
    try:
        return yaml.load(raw.decode("utf-8"), Loader=_LineLoader), []
    except UnicodeDecodeError as exc:
        return None, [ValidationError(file, 1, f"file is not UTF-8: {exc}")]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = " ".join(part for part in (exc.context, exc.problem) if part)
        return None, [ValidationError(file, line, f"invalid YAML: {problem}")]
    except yaml.YAMLError as exc:
        return None, [ValidationError(file, 1, f"invalid YAML: {exc}")]


def _read(path: Path) -> tuple[bytes, list[ValidationError]]:
    try:
        return path.read_bytes(), []
    except OSError as exc:
        return b"", [ValidationError(str(path), 1, f"cannot read file: {exc.strerror or exc}")]


def _check(raw: bytes, file: str) -> tuple[Any, list[ValidationError]]:
    data, errors = _parse(raw, file)
    if errors:
        return None, errors
    validator = _Validator(file)
    validator.document(data)
    return data, sorted(validator.errors, key=lambda error: error.line)


def _unhandled_rule_values() -> set:
    # Imported here: the tailoring imports the repository, which imports this package.
    from bot.core.tailoring import unhandled_rule_values

    return set(unhandled_rule_values())


def validate(path: str | Path) -> list[ValidationError]:
    """Check a rules file against the schema and the list of 31 provinces.

    Args:
        path: The YAML file.

    Returns:
        Every problem found, ordered by line; empty if the file is valid.
    """
    raw, errors = _read(Path(path))
    return errors or _check(raw, str(path))[1]


def file_hash(path: str | Path) -> str:
    """Return the SHA-256 hex digest of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def load(path: str | Path, engine: Engine) -> LoadReport:
    """Validate a rules file and replace the stored rules with it, in one transaction.

    Loading the same file twice leaves the database as after the first load; province ids are
    kept across reloads.

    Args:
        path: The YAML file.
        engine: The rules database.

    Returns:
        What was written.

    Raises:
        RulesFileInvalid: The file is unreadable or has validation errors; the database was not
            touched.
        RulesUnavailable: The database failed; the transaction was rolled back.
    """
    raw, errors = _read(Path(path))
    # Validate, store and hash the very same bytes, so the stored hash describes the stored rules.
    data, errors = (None, errors) if errors else _check(raw, str(path))
    if errors:
        raise RulesFileInvalid(errors)
    digest = hashlib.sha256(raw).hexdigest()
    sources = data["sources"]
    entries = data["provinces"]
    with translate_db_errors():
        Base.metadata.create_all(engine)
        with Session(engine) as session, session.begin():
            # Children go first so aliases moving between provinces cannot hit the unique index.
            session.execute(delete(ProvinceAlias))
            session.execute(delete(ProvinceRule))
            existing = {p.key: p for p in session.scalars(select(Province))}
            wanted = {entry["key"] for entry in entries}
            for key, stale in existing.items():
                if key not in wanted:
                    session.delete(stale)
            for entry in entries:
                province = existing.get(entry["key"]) or Province(key=entry["key"])
                province.name_en = entry["name_en"]
                province.name_zh = entry["name_zh"]
                province.pinyin = entry["pinyin"]
                province.kind = entry["kind"]
                province.aliases = [ProvinceAlias(alias=alias) for alias in entry["aliases"]]
                province.rules = [
                    ProvinceRule(topic=topic, value=entry["rules"][topic], source=sources[topic])
                    for topic in RULE_TOPICS
                ]
                session.add(province)
            session.merge(Meta(key=FILE_HASH_META_KEY, value=digest))
            valid_as_of = as_date(data["valid_as_of"])
            assert valid_as_of is not None  # the validator refused any other value
            session.merge(Meta(key=VALID_AS_OF_META_KEY, value=valid_as_of.isoformat()))
    return LoadReport(
        provinces=len(entries),
        aliases=sum(len(entry["aliases"]) for entry in entries),
        rules=len(entries) * len(RULE_TOPICS),
        file_hash=digest,
    )


def ensure_loaded(engine: Engine, path: str | Path = DEFAULT_RULES_FILE) -> LoadReport | None:
    """Load the rules file if the database is empty or holds another version of it.

    Meant for startup: cheap when the database is already current.

    Args:
        engine: The rules database.
        path: The YAML file.

    Returns:
        The load report if the file was (re)loaded, ``None`` if the database was current.

    Raises:
        RulesFileInvalid: The file needed loading but is invalid.
        RulesUnavailable: The database failed.
    """
    with translate_db_errors():
        Base.metadata.create_all(engine)
        with Session(engine) as session:
            count = session.scalar(select(func.count(Province.id)))
            stored = session.get(Meta, FILE_HASH_META_KEY)
    if count and stored is not None and stored.value == file_hash(path):
        return None
    return load(path, engine)
