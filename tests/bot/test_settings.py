"""bot.settings is the one reader of the environment and the one home of every default."""
from __future__ import annotations

import ast
import os
import subprocess
from pathlib import Path

import pytest

from bot import settings

SOURCES = sorted(
    p for top in ("bot", "actions") for p in (settings.ROOT / top).rglob("*.py")
)


def _reads_environment(path: Path) -> list[int]:
    """Line numbers where a module touches os.environ / os.getenv / os.putenv."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "os" and node.attr in {"environ", "getenv", "putenv", "environb"}:
                lines.append(node.lineno)
        if isinstance(node, ast.ImportFrom) and node.module == "os":
            if any(a.name in {"environ", "getenv"} for a in node.names):
                lines.append(node.lineno)
    return lines


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(settings.ROOT)))
def test_only_settings_reads_the_environment(path: Path) -> None:
    if path == settings.ROOT / "bot" / "settings.py":
        return
    assert _reads_environment(path) == [], f"{path}: read the value through bot.settings"


def test_project_root_is_computed_once() -> None:
    offenders = [
        str(p.relative_to(settings.ROOT))
        for p in SOURCES
        if p.name != "settings.py" and "Path(__file__)" in p.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_defaults_and_derived_values() -> None:
    values = settings.resolve({})
    assert values["RASA_PORT"] == "5005"
    assert values["ACTION_ENDPOINT_URL"] == "http://127.0.0.1:5055/webhook"
    assert values["RULES_DB_URL"] == f"sqlite:///{settings.VAR_DIR / 'rules.db'}"
    assert values["LOCK_STORE_URL"] == "" and values["LOCK_STORE_TYPE"] == "in_memory"

    two = settings.resolve({"SANIC_WORKERS": "2", "ACTION_SERVER_PORT": "6000"})
    assert two["LOCK_STORE_URL"] == f"sqlite:///{settings.VAR_DIR / 'locks.db'}"
    assert two["LOCK_STORE_TYPE"] == "bot.stores.lock_sqlite.SQLiteLockStore"
    assert two["ACTION_ENDPOINT_URL"] == "http://127.0.0.1:6000/webhook"
    assert settings.resolve({"LOCK_STORE_URL": "redis://h:6379/0"})["LOCK_STORE_TYPE"] == (
        "bot.stores.lock_redis.AtomicRedisLockStore"
    )


def test_environment_wins_and_bad_values_are_named() -> None:
    with settings.override(MAX_CONCURRENT_TURNS="7"):
        assert settings.get_int("MAX_CONCURRENT_TURNS", minimum=1) == 7
    with settings.override(MAX_CONCURRENT_TURNS="many"):
        with pytest.raises(settings.SettingError, match="MAX_CONCURRENT_TURNS"):
            settings.get_int("MAX_CONCURRENT_TURNS")
    with pytest.raises(settings.SettingError, match="LOCK_STORE_URL"):
        settings.resolve({"LOCK_STORE_URL": "memcached://x"})
    with pytest.raises(KeyError):
        settings.get("NO_SUCH_SETTING")


def test_env_sh_takes_its_defaults_from_settings() -> None:
    env = {k: v for k, v in os.environ.items() if k not in {s.name for s in settings.SETTINGS}}
    out = subprocess.run(
        ["bash", "-c", 'source scripts/env.sh && echo "$RULES_DB_URL|$ACTION_ENDPOINT_URL|$LOCK_STORE_TYPE"'],
        cwd=settings.ROOT, env=env, capture_output=True, text=True, check=True,
    ).stdout.strip()
    values = settings.resolve({})
    assert out == f"{values['RULES_DB_URL']}|{values['ACTION_ENDPOINT_URL']}|{values['LOCK_STORE_TYPE']}"
    script = (settings.ROOT / "scripts" / "env.sh").read_text(encoding="utf-8")
    assert "5005" not in script and "rules.db" not in script


def test_env_sh_stops_on_an_unusable_value() -> None:
    env = {**os.environ, "LOCK_STORE_URL": "memcached://x"}
    proc = subprocess.run(
        ["bash", "-c", "source scripts/env.sh; echo survived"],
        cwd=settings.ROOT, env=env, capture_output=True, text=True,
    )
    assert proc.returncode == 2 and "survived" not in proc.stdout
    assert "LOCK_STORE_URL must be" in proc.stderr


def test_the_readme_lists_every_setting_as_settings_describes_it() -> None:
    readme = (settings.ROOT / "README.md").read_text(encoding="utf-8")
    assert settings.describe() in readme
