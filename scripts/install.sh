#!/usr/bin/env bash
# Install the portal into ./.venv (idempotent and quick on re-run).
#
#   scripts/install.sh            system packages for the demo (CJK font, poppler, gettext, pango) + venv
#   scripts/install.sh --test     the same plus what the tests need (Debian's Chromium)
#
# Missing Debian packages are installed only when running as root with apt-get available; otherwise the
# script says what is missing and carries on. The Python packages come at the versions pinned in
# requirements/constraints.txt (`make lock`); the install is redone only when pyproject.toml or the lock changes
# (the stamp file holds their checksum) or the venv is new.
set -euo pipefail

cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv}"
STAMP="$VENV/.portal-install-stamp"

packages=(fonts-wqy-microhei fonts-cwtex-fs fonts-arphic-gkai00mp fonts-arphic-ukai fonts-arphic-gbsn00lp poppler-utils gettext libpango-1.0-0 libpangoft2-1.0-0)
if [[ "${1:-}" == "--test" ]]; then
    packages+=(chromium)
fi

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
    for pkg in "${packages[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$pkg")
        fi
    done
fi

if ((${#missing[@]})); then
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
        echo "==> installing Debian packages: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}"
    else
        echo "==> warning: missing system packages (install them as root): ${missing[*]}" >&2
    fi
fi

if [[ ! -x "$VENV/bin/python" ]]; then
    echo "==> creating $VENV with $($PYTHON --version 2>&1)"
    "$PYTHON" -m venv "$VENV"
    rm -f "$STAMP"
fi

LOCK=requirements/constraints.txt
want="$(cat pyproject.toml "$LOCK" | sha256sum | cut -d' ' -f1)"
have="$(cat "$STAMP" 2>/dev/null || true)"
if [[ "$want" != "$have" ]]; then
    echo "==> installing the project and its dev tools into $VENV (versions from $LOCK)"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e ".[dev]" -c "$LOCK"
    echo "$want" >"$STAMP"
else
    echo "==> $VENV is up to date with pyproject.toml and $LOCK"
fi
