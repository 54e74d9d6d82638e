"""Agents' tokens: stored hashed, found by token, managed by the CLI."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.agents import __main__ as cli
from bot.agents.repository import AgentRepository, agents, token_digest


def test_tokens_are_stored_hashed_and_found(engine):
    repo = AgentRepository(engine)
    token = repo.add("alice")
    with engine.connect() as c:
        stored = c.execute(select(agents.c.token_sha256)).scalar()
    assert stored == token_digest(token) and token not in stored
    assert repo.find(token) == "alice" and repo.find("nope") is None
    with pytest.raises(ValueError):
        repo.add("alice")
    with pytest.raises(ValueError):
        repo.add("bad name!")
    assert repo.remove("alice") and repo.find(token) is None and not repo.remove("alice")


def test_cli_prints_the_token_once(tmp_path, capsys):
    db = ["--db", f"sqlite:///{tmp_path / 'a.db'}"]
    assert cli.main(db + ["add", "bob"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert cli.main(db + ["list"]) == 0
    listing = capsys.readouterr().out
    assert "bob" in listing and token not in listing
    assert cli.main(db + ["add", "bob"]) == 2
    assert cli.main(db + ["remove", "bob"]) == 0
    assert cli.main(db + ["remove", "bob"]) == 2
