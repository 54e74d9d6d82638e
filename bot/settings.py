"""Every setting of the assistant, in one place: the only module that reads the environment.

Each setting is declared once below with its default and its meaning. Code asks for values
through :func:`get` (or the typed helpers), never through ``os.environ``; tests change them
with :func:`override`. ``scripts/env.sh`` takes its defaults from here as well
(``python -m bot.settings --shell`` prints them as ``export`` lines), so no default is written
twice.

This module uses the standard library only: the shell scripts run it before the virtual
environment exists.
"""
from __future__ import annotations

import os
import shlex
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Iterator, Mapping, Optional

#: The project's root folder (the checkout): the one place that computes it.
ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
#: The words the NLU and the splitter read (cues, fillers, things, aspects, other procedures).
LEXICON_FILE = DATA_DIR / "lexicon.yml"
VAR_DIR = ROOT / "var"
WEB_DIR = ROOT / "web"
MODEL_PATH = ROOT / "models" / "icp-assistant.tar.gz"


@dataclass(frozen=True)
class Setting:
    """One environment variable the assistant understands.

    Attributes:
        name: The variable's name.
        default: Its value when unset, or a function of the other resolved values (for
            defaults derived from other settings, such as the action endpoint's port).
        meaning: What it sets, for people (README, ``--describe``).
        export: Whether ``scripts/env.sh`` exports it for the processes it starts (settings
            that Rasa's YAML files read must be exported; secrets stay unset when unset).
        derived: Always computed from the others, never taken from the environment (a stale
            exported value must not hide a change of what it derives from).
    """

    name: str
    default: "str | Callable[[Mapping[str, str]], str]"
    meaning: str
    export: bool = True
    derived: bool = False


def _lock_store_url(values: Mapping[str, str]) -> str:
    # One worker: locks in memory. Several workers on one host share an SQLite file.
    return "" if values["SANIC_WORKERS"] == "1" else f"sqlite:///{VAR_DIR / 'locks.db'}"


def _lock_store_type(values: Mapping[str, str]) -> str:
    url = values["LOCK_STORE_URL"]
    if not url:
        return "in_memory"
    if url.startswith(("redis://", "rediss://")):
        return "bot.stores.lock_redis.AtomicRedisLockStore"
    if url.startswith("sqlite:"):
        return "bot.stores.lock_sqlite.SQLiteLockStore"
    raise SettingError(
        "LOCK_STORE_URL must be empty, redis://..., rediss://... or sqlite:///path "
        f"(got {url.split(':', 1)[0]}:...)"
    )


SETTINGS: tuple[Setting, ...] = (
    Setting("RASA_PORT", "5005", "port of the Rasa server (channels, help page, agent console)"),
    Setting("ACTION_SERVER_PORT", "5055", "port of the action server"),
    Setting("ACTION_SERVER_HOST", "127.0.0.1", "address the action server binds to"),
    Setting(
        "ACTION_ENDPOINT_URL",
        lambda v: f"http://127.0.0.1:{v['ACTION_SERVER_PORT']}/webhook",
        "where Rasa calls the action server",
    ),
    Setting(
        "RULES_DB_URL",
        f"sqlite:///{VAR_DIR / 'rules.db'}",
        "province rules and feedback database (any SQLAlchemy URL, e.g. postgresql://...)",
    ),
    Setting(
        "TRACKER_DB_URL",
        f"sqlite:///{VAR_DIR / 'tracker.db'}",
        "conversation store (Rasa's SQLTrackerStore tables): conversations survive restarts",
    ),
    Setting(
        "SANIC_WORKERS",
        "1",
        "Rasa worker processes per instance (one per core; with more than 1 set "
        "SOCKETIO_REDIS_URL so agents' replies reach every worker's widget users)",
    ),
    Setting(
        "LOCK_STORE_URL",
        _lock_store_url,
        "conversation locks shared between Rasa processes: empty (in memory), "
        "sqlite:///path (one host) or redis://... (several hosts)",
    ),
    Setting(
        "LOCK_STORE_TYPE",
        _lock_store_type,
        "derived from LOCK_STORE_URL; read by endpoints.yml",
        derived=True,
    ),
    Setting(
        "SOCKETIO_REDIS_URL",
        "",
        "socket.io message queue shared by Rasa processes: empty (in-process) or "
        "redis://... / rediss://... (pushes reach users connected to any worker or instance)",
        export=False,
    ),
    Setting(
        "MAX_CONCURRENT_TURNS",
        "4",
        "turns in flight per Rasa process; later turns wait in arrival order (bot/server/gate.py)",
    ),
    Setting(
        "MAX_PENDING_PER_SENDER",
        "5",
        "turns one conversation may have queued or running; more get 429 (REST) or a "
        "\"one moment\" message (socket.io)",
    ),
    Setting(
        "AGENT_ASSIST_TOKEN",
        "",
        "Bearer token of the agent assist API (make run generates one in var/ when unset)",
        export=False,
    ),
    Setting(
        "HANDOFF_TIMEOUT",
        "300",
        "seconds a handed-off user waits for an agent before being offered the bot's answers",
        export=False,
    ),
    Setting(
        "SESSION_SECRET",
        "",
        "key that signs the web widget's conversation ids (generated once in var/session_secret "
        "when unset)",
        export=False,
    ),
    Setting(
        "REST_TOKEN",
        "",
        "Bearer token the REST channel requires when set (trusted integrations; public sites "
        "use the widget)",
        export=False,
    ),
    Setting(
        "RETENTION_DAYS",
        "90",
        "conversations and feedback older than this many days are deleted by "
        "python -m bot.stores.purge (make run applies it at start)",
    ),
    Setting(
        "HEALTH_FALLBACK_WINDOW",
        "60",
        "seconds during which a tracker-store fallback keeps /webhooks/health/ degraded",
    ),
    Setting(
        "CORS_ORIGINS",
        "",
        "comma-separated exact origins allowed cross-origin (also for the web chat's socket.io, "
        "which otherwise accepts its own page only)",
        export=False,
    ),
    Setting("RASA_ENABLE_API", "0", "1: Rasa's HTTP API on (needs RASA_AUTH_TOKEN)", export=False),
    Setting("RASA_AUTH_TOKEN", "", "token of Rasa's HTTP API", export=False),
    Setting(
        "BOT_PLAIN_RASA",
        "0",
        "1: serve with Rasa's own entry point, without bot/server patches (benchmark baseline)",
        export=False,
    ),
    Setting(
        "BOT_KEEP_TENSORFLOW",
        "0",
        "1: import TensorFlow at start even when the model does not need it",
        export=False,
    ),
    Setting(
        "BOT_STOCK_ACTION_VALIDATION",
        "0",
        "1: Rasa's own (slow) validation of action server replies",
        export=False,
    ),
)

_BY_NAME: Dict[str, Setting] = {s.name: s for s in SETTINGS}
_overrides: Dict[str, str] = {}
_lock = threading.Lock()


class SettingError(ValueError):
    """A setting has a value the assistant cannot use."""


def resolve(environ: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """Every setting's value: the environment's where set (and not empty), else its default.

    Args:
        environ: The environment to read (``os.environ`` plus test overrides by default).

    Returns:
        Name -> value for every declared setting, derived defaults included.
    """
    if environ is None:
        environ = {**os.environ, **_overrides}
    values: Dict[str, str] = {}
    for setting in SETTINGS:  # declared after what they derive from
        given = None if setting.derived else environ.get(setting.name)
        if given:
            values[setting.name] = given
        elif callable(setting.default):
            values[setting.name] = setting.default(values)
        else:
            values[setting.name] = setting.default
    return values


def get(name: str) -> str:
    """The value of one declared setting (read now, so tests and shells can change it).

    Raises:
        KeyError: ``name`` is not a declared setting (a typo must not read as "unset").
    """
    if name not in _BY_NAME:
        raise KeyError(f"{name} is not a setting declared in bot/settings.py")
    return resolve()[name]


def _number(name: str, convert: Callable[[str], float], kind: str) -> float:
    raw = get(name)
    try:
        return convert(raw)
    except ValueError:
        raise SettingError(f"{name} must be {kind} (got {raw!r})") from None


def get_int(name: str, minimum: int = 0) -> int:
    """A setting as an integer of at least ``minimum``.

    Raises:
        SettingError: The value is not such an integer.
    """
    value = int(_number(name, int, "a whole number"))
    if value < minimum:
        raise SettingError(f"{name} must be at least {minimum} (got {value})")
    return value


def get_float(name: str) -> float:
    """A setting as a positive number.

    Raises:
        SettingError: The value is not a positive number.
    """
    value = _number(name, float, "a number")
    if value <= 0:
        raise SettingError(f"{name} must be positive (got {get(name)!r})")
    return value


def get_flag(name: str) -> bool:
    """A 0/1 setting as a bool."""
    return get(name).strip() == "1"


@contextmanager
def override(**values: str) -> Iterator[None]:
    """Sets settings for the duration of a ``with`` block (tests); ``None`` unsets one."""
    with _lock:
        saved = dict(_overrides)
        for name, value in values.items():
            if name not in _BY_NAME:
                raise KeyError(f"{name} is not a setting declared in bot/settings.py")
            _overrides[name] = value
    try:
        yield
    finally:
        with _lock:
            _overrides.clear()
            _overrides.update(saved)


def child_env(**changes: str) -> Dict[str, str]:
    """The environment for a child process (bench, tests): this one's plus ``changes``."""
    env = dict(os.environ)
    env.update(_overrides)
    env.update(changes)
    return env


def export(**values: str) -> None:
    """Puts settings into this process's environment, for Rasa's YAML files that read it
    (``${TRACKER_DB_URL}`` in endpoints.yml) when Rasa is loaded in-process (bench)."""
    for name in values:
        if name not in _BY_NAME:
            raise KeyError(f"{name} is not a setting declared in bot/settings.py")
    os.environ.update(values)


def shell_exports(environ: Optional[Mapping[str, str]] = None) -> str:
    """``export NAME=value`` lines for ``scripts/env.sh`` (environment values win)."""
    values = resolve(environ if environ is not None else os.environ)
    lines = [f"export {s.name}={shlex.quote(values[s.name])}" for s in SETTINGS if s.export]
    return "\n".join(lines)


def describe() -> str:
    """A Markdown table of every setting with its default and meaning (for the README)."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for s in SETTINGS:
        default = "(derived)" if callable(s.default) else (s.default or "(empty)")
        default = default.replace(str(ROOT) + "/", "")
        rows.append(f"| `{s.name}` | `{default}` | {s.meaning} |")
    return "\n".join(rows)


def main(argv: Optional[list] = None) -> int:
    """``--shell``: export lines for env.sh; ``--describe``: the settings table."""
    args = sys.argv[1:] if argv is None else argv
    try:
        if args == ["--shell"]:
            print(shell_exports())
            return 0
        if args == ["--describe"]:
            print(describe())
            return 0
    except SettingError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print("usage: python -m bot.settings --shell | --describe", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
