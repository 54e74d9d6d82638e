"""Command line for the province rules store.

Usage::

    python -m bot.rules validate [--file data/provinces.yml]
    python -m bot.rules load [--file data/provinces.yml] [--db URL]
    python -m bot.rules show PROVINCE [--db URL]
"""

from __future__ import annotations

import argparse
import datetime
import sys
from collections.abc import Sequence

from sqlalchemy.engine import Engine

from bot.stores.db import RulesUnavailable, create_engine_for, get_engine
from bot.rules.loader import DEFAULT_RULES_FILE, RulesFileInvalid, load, validate
from bot.rules.models import PROVINCE_KEYS, RULE_TOPICS
from bot.rules.repository import ProvinceInfo, RulesRepository

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_UNKNOWN_PROVINCE = 2
EXIT_DB_UNAVAILABLE = 3


def _engine(url: str | None) -> Engine:
    return create_engine_for(url) if url else get_engine()


def _cmd_validate(args: argparse.Namespace) -> int:
    errors = validate(args.file)
    for error in errors:
        print(error)
    if errors:
        print(f"{len(errors)} error(s) in {args.file}", file=sys.stderr)
        return EXIT_INVALID
    print(
        f"{args.file}: OK, {len(PROVINCE_KEYS)} provinces with {len(RULE_TOPICS)} rule topics each"
    )
    return EXIT_OK


def _cmd_load(args: argparse.Namespace) -> int:
    engine = _engine(args.db)
    try:
        report = load(args.file, engine)
    except RulesFileInvalid as exc:
        for error in exc.errors:
            print(error)
        print(f"not loaded: {len(exc.errors)} error(s) in {args.file}", file=sys.stderr)
        return EXIT_INVALID
    print(
        f"loaded {report.provinces} provinces, {report.aliases} aliases and {report.rules} rules "
        f"from {args.file} into {engine.url.render_as_string(hide_password=True)}"
    )
    return EXIT_OK


def _format_province(province: ProvinceInfo, valid_as_of: datetime.date | None) -> str:
    as_of = valid_as_of.isoformat() if valid_as_of else "unknown (reload the rules)"
    lines = [
        f"{province.name_en} ({province.name_zh})",
        f"  key:     {province.key}",
        f"  pinyin:  {province.pinyin}",
        f"  kind:    {province.kind}",
        f"  aliases: {', '.join(province.aliases) or '-'}",
        f"  rules valid as of: {as_of}",
        "  rules:",
    ]
    for rule in province.rules.values():
        lines.append(f"    {rule.topic}: {rule.value}")
        lines.append(f"      source: {rule.source}")
    return "\n".join(lines)


def _cmd_show(args: argparse.Namespace) -> int:
    repository = RulesRepository(_engine(args.db), cache_ttl=0)
    province = repository.find_province(args.province)
    if province is None:
        print(
            f"unknown province {args.province!r}: give a key, English, pinyin or Chinese name "
            "or an alias, e.g. guangdong, Inner Mongolia, Xizang, 广东 or 粤.\n"
            f"known keys: {', '.join(PROVINCE_KEYS)}",
            file=sys.stderr,
        )
        return EXIT_UNKNOWN_PROVINCE
    print(_format_province(province, repository.valid_as_of()))
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot.rules", description="Manage the province rules store."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    file_help = f"rules YAML file (default: {DEFAULT_RULES_FILE})"
    db_help = "database URL (default: $RULES_DB_URL or the SQLite file in var/)"

    validate_cmd = commands.add_parser("validate", help="check the rules file")
    validate_cmd.add_argument("--file", default=str(DEFAULT_RULES_FILE), help=file_help)
    validate_cmd.set_defaults(handler=_cmd_validate)

    load_cmd = commands.add_parser("load", help="validate the rules file and load it")
    load_cmd.add_argument("--file", default=str(DEFAULT_RULES_FILE), help=file_help)
    load_cmd.add_argument("--db", help=db_help)
    load_cmd.set_defaults(handler=_cmd_load)

    show_cmd = commands.add_parser("show", help="print a province's names and rules")
    show_cmd.add_argument("province", help="key, English, pinyin or Chinese name, or alias")
    show_cmd.add_argument("--db", help=db_help)
    show_cmd.set_defaults(handler=_cmd_show)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Args:
        argv: Arguments without the program name; defaults to ``sys.argv[1:]``.

    Returns:
        The exit code: 0 ok, 1 invalid rules file, 2 unknown province, 3 database unavailable.
    """
    args = _parser().parse_args(argv)
    try:
        return args.handler(args)
    except RulesUnavailable as exc:
        print(
            f"error: {exc}\nhint: check --db or RULES_DB_URL, and load the rules with "
            "`python -m bot.rules load`",
            file=sys.stderr,
        )
        return EXIT_DB_UNAVAILABLE


if __name__ == "__main__":
    sys.exit(main())
