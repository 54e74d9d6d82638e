"""Command line for the support agents' tokens.

Usage::

    python -m bot.agents add NAME      # prints the new token once
    python -m bot.agents list
    python -m bot.agents remove NAME
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import datetime, timezone

from bot.agents.repository import AgentRepository
from bot.stores.db import DatabaseUnavailable, create_engine_for, get_engine

EXIT_OK, EXIT_USAGE, EXIT_DB_UNAVAILABLE = 0, 2, 3


def _repository(args: argparse.Namespace) -> AgentRepository:
    return AgentRepository(create_engine_for(args.db) if args.db else get_engine())


def _add(args: argparse.Namespace) -> int:
    try:
        token = _repository(args).add(args.name)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE
    print(f"Agent {args.name} added. Their token (shown only now, store it safely):")
    print(token)
    return EXIT_OK


def _list(args: argparse.Namespace) -> int:
    agents = _repository(args).list()
    if not agents:
        print("No agents. Add one with: python -m bot.agents add NAME")
    for agent in agents:
        added = datetime.fromtimestamp(agent.created_at, timezone.utc).strftime("%Y-%m-%d %H:%M")
        print(f"{agent.name}\tadded {added} UTC")
    return EXIT_OK


def _remove(args: argparse.Namespace) -> int:
    if not _repository(args).remove(args.name):
        print(f"error: no agent named {args.name!r}", file=sys.stderr)
        return EXIT_USAGE
    print(f"Agent {args.name} removed; their token no longer works.")
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot.agents", description="Manage the support agents' API tokens."
    )
    parser.add_argument("--db", help="database URL (default: $RULES_DB_URL or var/rules.db)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add = commands.add_parser("add", help="add an agent and print their token once")
    add.add_argument("name")
    add.set_defaults(handler=_add)
    commands.add_parser("list", help="list the agents").set_defaults(handler=_list)
    remove = commands.add_parser("remove", help="remove an agent (their token stops working)")
    remove.add_argument("name")
    remove.set_defaults(handler=_remove)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        return args.handler(args)
    except DatabaseUnavailable as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_DB_UNAVAILABLE


if __name__ == "__main__":
    sys.exit(main())
