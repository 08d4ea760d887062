"""Production settings pass Django's deployment checklist when configured the way docker-compose does it."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def _production_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_", "DATABASE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),  # 86 characters, well over Django's 50
        DATABASE_URL="postgres://portal:secret@db.internal:5432/portal",
        CELERY_BROKER_URL="redis://redis.internal:6379/0",
        REDIS_CACHE_URL="redis://redis.internal:6379/1",
        DJANGO_ALLOWED_HOSTS="portal.example.gov.cn",
        DJANGO_CSRF_TRUSTED_ORIGINS="https://portal.example.gov.cn",
    )
    env.update(overrides)
    return env


def _check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # `check` does not connect to the database or the broker, so the addresses need not exist.
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_check_deploy_reports_no_issue_with_production_settings():
    done = _check_deploy(_production_env())
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "System check identified no issues" in output, output


def test_check_deploy_flags_a_weak_secret_key():
    # The same check must be able to fail: a short, low-entropy key is reported (security.W009).
    done = _check_deploy(_production_env(DJANGO_SECRET_KEY="x" * 20))
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert "security.W009" in output, output


@pytest.mark.parametrize("value", ["", "insecure-local-only-key-change-me-in-production"])
def test_production_refuses_to_start_without_a_real_secret_key(value):
    done = _check_deploy(_production_env(DJANGO_SECRET_KEY=value))
    assert done.returncode != 0
    assert "DJANGO_SECRET_KEY must be set in production" in done.stderr


# --- docker-compose.yml and the Dockerfile (no Docker engine here: the files are checked as data) ---------

COMPOSE = ROOT / "docker-compose.yml"
APP_SERVICES = ("migrate", "web", "worker", "beat")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def _settings_env_names() -> set[str]:
    """Every environment variable the settings read (env("X"), env_bool("X"), env_list("X"))."""
    names: set[str] = set()
    for path in (ROOT / "portal" / "settings").glob("*.py"):
        names |= set(re.findall(r'env(?:_bool|_list)?\(\s*"([A-Z0-9_]+)"', path.read_text()))
    return names


def test_compose_has_the_services_with_pinned_major_versions(compose):
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "migrate", "web", "worker", "beat"}
    assert services["postgres"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"
    assert set(compose["volumes"]) >= {"pgdata", "media"}
    assert "pgdata:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    for name in APP_SERVICES:
        assert "media:/app/media" in services[name]["volumes"], name


def test_compose_health_checks(compose):
    services = compose["services"]
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    assert "/healthz" in (ROOT / "scripts" / "healthcheck.py").read_text()
    # web asks /healthz (503 when a part is down); worker and beat check their own heartbeat.
    for name in ("web", "worker", "beat"):
        check = services[name]["healthcheck"]
        assert not check.get("disable"), name
        assert check["test"] == ["CMD", "python", "scripts/healthcheck.py", "--part", name], name
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name
        assert depends["migrate"]["condition"] == "service_completed_successfully", name


def _seconds(value: str) -> float:
    units = {"s": 1, "m": 60}
    return sum(float(n) * units[u] for n, u in re.findall(r"(\d+(?:\.\d+)?)([sm])", value))


def test_compose_heartbeat_checks_leave_time_for_the_first_heartbeat(compose):
    # Beat sends the first heartbeat one interval after it starts, and a worker runs it just after: the start
    # period must cover that, and the check must give its Django start-up time to finish.
    from django.conf import settings

    for name in ("worker", "beat"):
        check = compose["services"][name]["healthcheck"]
        assert _seconds(check["start_period"]) >= 2 * settings.HEALTH_HEARTBEAT_SECONDS, name
        assert _seconds(check["timeout"]) >= 10, name
        assert check["retries"] >= 2, name


def test_compose_commands(compose):
    services = compose["services"]
    assert "manage.py migrate --noinput" in " ".join(services["migrate"]["command"])
    assert "load_reference_data" in " ".join(services["migrate"]["command"])
    assert services["migrate"]["restart"] == "no"
    assert services["web"]["command"][:2] == ["gunicorn", "portal.wsgi:application"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "portal", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "portal", "beat"]


def test_compose_configures_the_apps_only_through_variables_the_settings_read(compose):
    known = _settings_env_names() | {"DJANGO_SETTINGS_MODULE"}
    for name in APP_SERVICES:
        env = compose["services"][name]["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "portal.settings.production"
        assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in env["DATABASE_URL"]
        assert env["CELERY_BROKER_URL"] == "redis://redis:6379/0"
        assert env["REDIS_CACHE_URL"] == "redis://redis:6379/1"
        # The secret is required from the caller's environment, never written into the file.
        assert env["DJANGO_SECRET_KEY"].startswith("${DJANGO_SECRET_KEY:?")
        assert set(env) <= known, f"{name}: unknown variables {set(env) - known}"


def test_dockerfile_has_weasyprint_libraries_and_the_cjk_font():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.startswith("#") and "FROM python:3.11-slim" in dockerfile
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "fonts-wqy-microhei"):
        assert package in dockerfile, package
    assert "collectstatic" in dockerfile
    assert "USER portal" in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv"} <= set(ignored)
