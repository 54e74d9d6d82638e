"""Province rules store: per-province ICP Filing upload rules, loaded from ``data/provinces.yml``.

The YAML file is the source of truth; :mod:`bot.rules.loader` copies it into SQL and
:class:`RulesRepository` answers the bot's questions from there.
"""

from bot.stores.db import RulesUnavailable, get_engine, reset_engine
from bot.rules.repository import ProvinceInfo, RuleInfo, RulesRepository

__all__ = [
    "ProvinceInfo",
    "RuleInfo",
    "RulesRepository",
    "RulesUnavailable",
    "get_engine",
    "reset_engine",
]
