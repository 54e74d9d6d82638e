"""Read-only query API over the province rules store.

Every call opens its own short-lived session and returns plain frozen dataclasses, so results can
be cached or passed between threads without touching the database again.
"""

from __future__ import annotations

import datetime
import re
import threading
import time
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from sqlalchemy import func, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.elements import ColumnElement

from bot.stores.db import RulesUnavailable, get_engine, translate_db_errors
from bot.rules.models import VALID_AS_OF_META_KEY, Meta, Province, ProvinceAlias

__all__ = ["ProvinceInfo", "RuleInfo", "RulesRepository", "RulesUnavailable", "normalize_name"]

# Separators ignored when matching names, so "Nei Mongol", "NeiMongol" and "inner_mongolia" match.
_SEPARATORS = (" ", "-", "_")
_SEPARATORS_RE = re.compile(r"[\s\-_]+")


@dataclass(frozen=True)
class RuleInfo:
    """One rule of one province.

    Attributes:
        topic: Rule topic, e.g. ``"multi_domain"``.
        value: Rule value, e.g. ``"attach_list"``.
        source: Heading of the FAQ section the rule comes from.
    """

    topic: str
    value: str
    source: str


@dataclass(frozen=True)
class ProvinceInfo:
    """A province with its names and rules.

    Attributes:
        key: Canonical key, e.g. ``"inner_mongolia"``.
        name_en: English name.
        name_zh: Chinese name.
        pinyin: Pinyin (or official romanised) name.
        kind: ``"province"``, ``"municipality"`` or ``"autonomous_region"``.
        aliases: Other spellings and Chinese full names and short forms, in file order.
        rules: Read-only mapping of topic to rule.
    """

    key: str
    name_en: str
    name_zh: str
    pinyin: str
    kind: str
    aliases: tuple[str, ...]
    rules: Mapping[str, RuleInfo]


def normalize_name(name: str) -> str:
    """Return the form of a province name used for matching: NFKC, lower case, no separators."""
    return _SEPARATORS_RE.sub("", unicodedata.normalize("NFKC", name)).lower()


def _normalized_column(column: ColumnElement) -> ColumnElement:
    for separator in _SEPARATORS:
        column = func.replace(column, separator, "")
    return func.lower(column)


def _to_info(province: Province) -> ProvinceInfo:
    return ProvinceInfo(
        key=province.key,
        name_en=province.name_en,
        name_zh=province.name_zh,
        pinyin=province.pinyin,
        kind=province.kind,
        aliases=tuple(alias.alias for alias in province.aliases),
        rules=MappingProxyType(
            {
                rule.topic: RuleInfo(topic=rule.topic, value=rule.value, source=rule.source)
                for rule in province.rules
            }
        ),
    )


def _province_query():
    return select(Province).options(selectinload(Province.aliases), selectinload(Province.rules))


class RulesRepository:
    """Queries the province rules store.

    All methods raise :class:`RulesUnavailable` when the database cannot be reached or has no
    schema yet, so callers can answer with a generic fallback instead of crashing.

    Args:
        engine: Engine to query; defaults to :func:`bot.stores.db.get_engine`, resolved on each
            call so :func:`bot.stores.db.reset_engine` takes effect.
        cache_ttl: Seconds :meth:`provinces` may serve a cached result; ``0`` disables caching.
    """

    def __init__(self, engine: Engine | None = None, cache_ttl: float = 60.0) -> None:
        self._engine = engine
        self._cache_ttl = cache_ttl
        self._cache: tuple[float, dict[str, ProvinceInfo]] | None = None
        self._cache_lock = threading.Lock()

    @property
    def engine(self) -> Engine:
        """The engine queries run against."""
        return self._engine if self._engine is not None else get_engine()

    def clear_cache(self) -> None:
        """Forget the cached :meth:`provinces` result, e.g. after reloading the rules."""
        with self._cache_lock:
            self._cache = None

    def ping(self) -> None:
        """Check that the database answers and has the rules schema.

        Raises:
            RulesUnavailable: The database is unreachable or not initialised.
        """
        with translate_db_errors(), Session(self.engine) as session:
            session.execute(select(Province.id).limit(1)).all()

    def valid_as_of(self) -> datetime.date | None:
        """Return the date the stored province rules are valid as of.

        Returns:
            The ``valid_as_of`` date of the loaded rules file, or ``None`` for a database loaded
            before that field existed.
        """
        with translate_db_errors(), Session(self.engine) as session:
            stored = session.get(Meta, VALID_AS_OF_META_KEY)
            return datetime.date.fromisoformat(stored.value) if stored is not None else None

    def province(self, key: str) -> ProvinceInfo | None:
        """Return the province with canonical key ``key``.

        Served from the same cache as :meth:`provinces`: every tailored answer asks for one,
        and the rules change only when ``python -m bot.rules load`` runs.

        Args:
            key: Canonical key such as ``"guangdong"``.

        Returns:
            The province, or ``None`` if no province has that key.
        """
        return self._by_key().get(key)

    def provinces(self) -> list[ProvinceInfo]:
        """Return all provinces ordered by key (served from a cache for ``cache_ttl`` seconds).

        Returns:
            A new list on each call; its items are immutable.
        """
        return list(self._by_key().values())

    def _by_key(self) -> dict[str, ProvinceInfo]:
        with self._cache_lock:
            if self._cache is not None and time.monotonic() - self._cache[0] < self._cache_ttl:
                return self._cache[1]
        query = _province_query().order_by(Province.key)
        with translate_db_errors(), Session(self.engine) as session:
            result = {p.key: _to_info(p) for p in session.scalars(query)}
        if self._cache_ttl > 0:
            with self._cache_lock:
                self._cache = (time.monotonic(), result)
        return result

    def find_province(self, name: str) -> ProvinceInfo | None:
        """Find a province by any of its names.

        Matches the key, English name, pinyin, Chinese name or an alias, ignoring case, spaces,
        hyphens and underscores (so ``"Nei Mongol"``, ``"inner mongolia"`` and ``"内蒙古自治区"``
        all find ``inner_mongolia``).

        Args:
            name: The name as the user wrote it.

        Returns:
            The province, or ``None`` if no province has that name.
        """
        wanted = normalize_name(name)
        if not wanted:
            return None
        by_alias = select(ProvinceAlias.province_id).where(
            _normalized_column(ProvinceAlias.alias) == wanted
        )
        query = _province_query().where(
            or_(
                _normalized_column(Province.key) == wanted,
                _normalized_column(Province.name_en) == wanted,
                _normalized_column(Province.pinyin) == wanted,
                _normalized_column(Province.name_zh) == wanted,
                Province.id.in_(by_alias),
            )
        )
        with translate_db_errors(), Session(self.engine) as session:
            province = session.scalars(query).first()
            return _to_info(province) if province is not None else None
