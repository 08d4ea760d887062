"""pyproject.toml's floors are versions that run this code, and the lock pins a version of every requirement
inside its range — so a fresh install, at the floors (`make test-lowest`) or at the lock (`make test`, the
Dockerfile), gets versions some test has run."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements" / "constraints.txt"

# The first release with what the code uses, found by `make test-lowest` (and the full suite) failing below it.
NEEDED = {
    "weasyprint": ("68", "reporting/pdf.py subclasses weasyprint.urls.URLFetcher (new in 68)"),
    "django-htmx": ("1.28", "templates/base.html loads django_htmx/htmx-2.min.js (first shipped in 1.28)"),
    "celery": ("5.7", "up to 5.6 a CELERY_* Django setting wins over app.conf.update() (tests/integration)"),
    "redis": ("6.1", "kombu 5.7's Redis transport refuses redis-py before 6.1"),
    "psycopg": ("3.2.1", "psycopg[binary] 3.2.0 requires a psycopg-binary that was never published"),
    "pytest": ("9", "schemathesis 4.25 requires pytest 9"),
    "pytest-xdist": ("3.6.1", "3.6.0 was yanked"),
    "schemathesis": ("4.25", "older releases need hypothesis-jsonschema, which current hypothesis breaks"),
    "mypy": ("2.2", 'older releases do not narrow `value in (None, "")`'),
    "django-stubs": ("6.0.7", "the first whose compatible-mypy extra allows mypy 2.2"),
    "types-openpyxl": ("3.1.4.20240621", "older stubs reject ws.row_dimensions[1]"),
}


def _requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = [*project["dependencies"], *(line for extra in project["optional-dependencies"].values() for line in extra)]
    return [Requirement(line) for line in lines]


def _floor(requirement: Requirement) -> Version | None:
    floors = [Version(spec.version) for spec in requirement.specifier if spec.operator == ">="]
    return max(floors) if floors else None


def _pins() -> dict[str, str]:
    pins = {}
    for line in LOCK.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)$", line.strip())
        if match:
            pins[canonicalize_name(match.group(1))] = match.group(2)
    return pins


def test_every_requirement_has_a_floor_and_an_upper_bound():
    unbounded = [str(r) for r in _requirements()
                 if _floor(r) is None or not any(spec.operator == "<" for spec in r.specifier)]
    assert unbounded == []


@pytest.mark.parametrize("name", sorted(NEEDED))
def test_the_floor_is_a_version_that_runs_the_code(name):
    needed, why = NEEDED[name]
    requirement = next(r for r in _requirements() if canonicalize_name(r.name) == name)
    assert _floor(requirement) >= Version(needed), f"{requirement}: needs >={needed} ({why})"


def test_the_lock_pins_every_requirement_inside_its_range():
    pins = _pins()
    wrong = {}
    for requirement in _requirements():
        pin = pins.get(canonicalize_name(requirement.name))
        if pin is None or not requirement.specifier.contains(pin, prereleases=True):
            wrong[str(requirement)] = pin
    assert wrong == {}, "requirements/constraints.txt is out of date with pyproject.toml: run `make lock`"


def test_the_lock_says_how_to_regenerate_it():
    header = LOCK.read_text().split("\n\n")[0]
    assert "make lock" in header and "Python 3.11 on Linux" in header


def test_every_install_takes_the_lock():
    install = (ROOT / "scripts" / "install.sh").read_text()
    assert '-e ".[dev]" -c "$LOCK"' in install and 'cat pyproject.toml "$LOCK" | sha256sum' in install
    assert "-c requirements/constraints.txt" in (ROOT / "Dockerfile").read_text()
    bench = re.search(r"^bench-load:.*?(?=^\S)", (ROOT / "Makefile").read_text(), re.MULTILINE | re.DOTALL)
    assert bench and '-e ".[dev,bench]" -c $(LOCK)' in bench.group(0)


def test_this_environment_has_the_locked_versions():
    """`make test` runs what the lock says (scripts/install.sh reinstalls when the lock changes)."""
    drifted = {}
    for name, pin in _pins().items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            continue
        if Version(installed) != Version(pin):
            drifted[name] = f"locked {pin}, installed {installed}"
    assert drifted == {}, "the venv is not the locked one: run scripts/install.sh (make install-test)"
