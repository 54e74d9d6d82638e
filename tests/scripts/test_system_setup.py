"""scripts/system_setup.sh: installs what is missing as root with apt-get, else names the command.

The script runs for real against a list of made-up packages; ``id`` and ``apt-get`` are small
stand-ins placed first on PATH, so no test needs root or the network. The stand-in apt-get logs
its arguments and "installs" a package by creating the file its list line checks.
"""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Dict, List

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "system_setup.sh"
SHIPPED_LIST = REPO / "scripts" / "system-packages.txt"
BASH = "/bin/bash"

FAKE_ID = '#!/bin/bash\n[ "$1" = -u ] && echo "$FAKE_UID"\n'
FAKE_APT = """#!/bin/bash
echo "$*" >>"$APT_LOG"
if [ "$1" = install ] && [ "$FAKE_APT_WORKS" = 1 ]; then
  for arg in "$@"; do
    case "$arg" in install|-*) ;; *) touch "$INSTALLED/$arg" ;; esac
  done
fi
"""


class Machine:
    """A made-up machine: a package list, the stand-in tools, and what is installed."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.bin = root / "bin"
        self.installed = root / "installed"
        self.apt_log = root / "apt.log"
        self.list = root / "packages.txt"
        self.bin.mkdir()
        self.installed.mkdir()
        self.write_tool("id", FAKE_ID)
        self.write_tool("apt-get", FAKE_APT)
        self.list.write_text(
            "# made-up packages for the tests\n"
            f"present-pkg  {self.installed}/present-pkg   # tests that always find it\n"
            f"missing-pkg  {self.installed}/missing-pkg   # the fake browser tests\n"
            f"globbed-pkg  {self.installed}/glob*/bin/tool # a versioned path, as postgresql\n",
            encoding="utf-8",
        )
        (self.installed / "present-pkg").touch()
        (self.installed / "glob15" / "bin").mkdir(parents=True)
        (self.installed / "glob15" / "bin" / "tool").touch()

    def write_tool(self, name: str, text: str) -> None:
        tool = self.bin / name
        tool.write_text(text, encoding="utf-8")
        tool.chmod(0o755)

    def run(
        self, *args: str, uid: int = 0, apt: bool = True, apt_works: bool = True
    ) -> subprocess.CompletedProcess:
        """Runs the script as user ``uid``; without ``apt``, apt-get is nowhere on PATH."""
        if not apt:
            (self.bin / "apt-get").unlink()
        env: Dict[str, str] = {
            "PATH": f"{self.bin}:/usr/bin:/bin" if apt else str(self.bin),
            "SYSTEM_PACKAGES_FILE": str(self.list),
            "FAKE_UID": str(uid),
            "APT_LOG": str(self.apt_log),
            "INSTALLED": str(self.installed),
            "FAKE_APT_WORKS": "1" if apt_works else "0",
        }
        return subprocess.run(
            [BASH, str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=30
        )

    def apt_calls(self) -> List[str]:
        if not self.apt_log.exists():
            return []
        return self.apt_log.read_text(encoding="utf-8").splitlines()


@pytest.fixture
def machine(tmp_path: Path) -> Machine:
    return Machine(tmp_path)


def test_nothing_to_do_runs_no_apt_get(machine: Machine) -> None:
    (machine.installed / "missing-pkg").touch()
    result = machine.run()
    assert result.returncode == 0, result.stderr
    assert "all present" in result.stdout
    assert machine.apt_calls() == []


def test_as_root_with_apt_it_installs_only_what_is_missing(machine: Machine) -> None:
    result = machine.run()
    assert result.returncode == 0, result.stderr
    assert machine.apt_calls() == [
        "update -qq",
        "install -y -qq --no-install-recommends missing-pkg",
    ]
    # Idempotent: a second run finds everything and leaves apt-get alone (no update).
    assert machine.run().returncode == 0
    assert len(machine.apt_calls()) == 2


def test_a_package_still_missing_after_installing_is_an_error(machine: Machine) -> None:
    result = machine.run(apt_works=False)
    assert result.returncode == 1
    assert "still missing" in result.stderr
    assert "missing-pkg" in result.stderr


def test_not_root_prints_the_exact_sudo_command(machine: Machine) -> None:
    result = machine.run(uid=1000)
    assert result.returncode == 1
    assert machine.apt_calls() == []
    assert (
        "  sudo apt-get update && sudo apt-get install -y --no-install-recommends missing-pkg\n"
        in result.stderr
    )
    # Says what was looked for and which tests need it (the list's comment).
    assert re.search(
        r"missing-pkg \(.*/installed/missing-pkg\): +the fake browser tests", result.stderr
    )


def test_check_only_never_installs_even_as_root(machine: Machine) -> None:
    result = machine.run("--check")
    assert result.returncode == 1
    assert machine.apt_calls() == []
    assert "  apt-get update && apt-get install -y --no-install-recommends missing-pkg\n" in (
        result.stderr
    )


def test_without_apt_get_it_names_what_must_exist(machine: Machine) -> None:
    result = machine.run(apt=False)
    assert result.returncode == 1
    assert "No apt-get here" in result.stderr
    assert "missing-pkg" in result.stderr


def test_named_packages_limit_the_check(machine: Machine) -> None:
    result = machine.run("--check", "present-pkg", "globbed-pkg")
    assert result.returncode == 0, result.stderr


def test_a_package_not_in_the_list_is_refused(machine: Machine) -> None:
    result = machine.run("--check", "no-such-pkg")
    assert result.returncode == 2
    assert "'no-such-pkg' is not in" in result.stderr


def shipped_packages() -> Dict[str, str]:
    """The shipped list as package -> check, asserting each line's form."""
    packages = {}
    for line in SHIPPED_LIST.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        spec, _, why = line.partition("#")
        fields = spec.split()
        assert len(fields) == 2 and why.strip(), f"expected 'package check # why': {line!r}"
        packages[fields[0]] = fields[1]
    return packages


def test_shipped_list_names_a_check_and_its_tests_for_every_package() -> None:
    packages = shipped_packages()
    # What the browser, scale-out and lock store tests and the web widget start.
    assert packages["chromium"] == "/usr/bin/chromium"  # tests/browser/conftest.py's path
    assert {"postgresql", "redis-server", "nginx", "nodejs", "npm"} <= packages.keys()


def test_packages_the_scale_demo_checks_are_in_the_list() -> None:
    text = (REPO / "scripts" / "scale_demo.sh").read_text(encoding="utf-8")
    named = re.search(r"system_setup\.sh\" --check ([\w -]+)", text)
    assert named, "scale_demo.sh checks its packages with system_setup.sh --check"
    assert set(named.group(1).split()) <= shipped_packages().keys()


def test_the_script_is_executable() -> None:
    # make, .ci/run and scale_demo.sh run it directly.
    assert os.access(SCRIPT, os.X_OK)
