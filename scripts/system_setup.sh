#!/usr/bin/env bash
# Installs the missing Debian packages that `make test` needs (scripts/system-packages.txt).
#   system_setup.sh [--check] [PACKAGE...]
# A package counts as present when the command or path its line names exists, so on a machine
# that has everything this costs a few lookups: no apt-get, no network. Missing packages are
# installed with apt-get when running as root where apt-get exists (CI, a fresh container).
# Otherwise, and always with --check, it exits with status 1 and prints the exact command to run.
# PACKAGE...: look only at these lines of the list (scale_demo.sh checks the ones it uses).
# SYSTEM_PACKAGES_FILE: read another list in the same format instead.
set -euo pipefail
LIST="${SYSTEM_PACKAGES_FILE:-$(dirname "${BASH_SOURCE[0]}")/system-packages.txt}"
# nginx lives in /usr/sbin, which is not on a non-root user's PATH on Debian.
PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

check_only=0
if [ "${1:-}" = --check ]; then check_only=1; shift; fi
wanted=("$@")

present() {
  # present CHECK: CHECK is a command on PATH, or an absolute path (a glob: any match counts).
  local check="$1" match
  if [[ "$check" == /* ]]; then
    # Unquoted on purpose: the glob expands; without a match it stays literal and -e fails.
    for match in $check; do [ -e "$match" ] && return 0; done
    return 1
  fi
  command -v "$check" >/dev/null 2>&1
}

is_wanted() {
  local package="$1" name
  [ ${#wanted[@]} -eq 0 ] && return 0
  for name in "${wanted[@]}"; do [ "$name" = "$package" ] && return 0; done
  return 1
}

find_missing() {
  # Sets missing (package names) and missing_lines ("package (check): who needs it").
  missing=() missing_lines=() listed=()
  local line spec why package check
  while IFS= read -r line || [ -n "$line" ]; do
    spec="${line%%#*}" why=""
    [[ "$line" == *"#"* ]] && why="${line#*#}"
    read -r package check _ <<<"$spec" || true
    [ -n "${package:-}" ] || continue
    listed+=("$package")
    is_wanted "$package" || continue
    if [ -z "${check:-}" ]; then
      echo "error: $LIST: '$package' has no command or path to check" >&2
      exit 2
    fi
    if ! present "$check"; then
      missing+=("$package")
      missing_lines+=("  $package ($check):${why:- no reason given}")
    fi
  done <"$LIST"
  local name
  for name in "${wanted[@]}"; do
    if [[ " ${listed[*]} " != *" $name "* ]]; then
      echo "error: '$name' is not in $LIST" >&2
      exit 2
    fi
  done
}

find_missing
if [ ${#missing[@]} -eq 0 ]; then
  echo "System packages: all present ($LIST)."
  exit 0
fi

can_install=0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then can_install=1; fi

if [ $check_only = 0 ] && [ $can_install = 1 ]; then
  echo "Installing the missing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  find_missing
  if [ ${#missing[@]} -gt 0 ]; then
    echo "error: installed, yet still missing:" >&2
    printf '%s\n' "${missing_lines[@]}" >&2
    exit 1
  fi
  echo "System packages: installed."
  exit 0
fi

{
  echo "error: missing system packages (package, what was looked for, who needs it):"
  printf '%s\n' "${missing_lines[@]}"
  if command -v apt-get >/dev/null 2>&1; then
    sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo "
    echo "Install them with:"
    echo "  ${sudo}apt-get update && ${sudo}apt-get install -y --no-install-recommends ${missing[*]}"
  else
    echo "No apt-get here: these are Debian package names; install the equivalents with your"
    echo "system's package manager so that the commands and paths above exist."
  fi
  echo "Then run the same command again."
} >&2
exit 1
