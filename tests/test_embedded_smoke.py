"""The `make demo` path: the embedded default (SQLite, Celery eager) from migrate to a logged-in dashboard.

Everything runs in subprocesses with the environment `make demo` uses (portal.settings.dev, no broker), on a
fresh SQLite file and a free port, so this test needs nothing running.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ROLES = {"hq", "province", "district", "expert", "cb", "enterprise"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("embedded")
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "CELERY_TASK_ALWAYS_EAGER",
                        "REDIS_CACHE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.dev",
        DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
        DJANGO_MEDIA_ROOT=str(tmp / "media"),
        DJANGO_STATIC_ROOT=str(tmp / "static"),
        PYTHONUNBUFFERED="1",
    )

    def manage(*args: str) -> str:
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=600)
        assert done.returncode == 0, f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    manage("migrate", "--noinput", "-v0")
    seed_output = manage("seed_demo", "--scale", "demo")

    port = _free_port()
    log = (tmp / "server.log").open("w")
    server = subprocess.Popen([sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError):
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"runserver did not come up:\n{(tmp / 'server.log').read_text()}")
            time.sleep(0.2)
        yield {"base": base, "seed_output": seed_output, "db": tmp / "db.sqlite3"}
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _logins(seed_output: str) -> tuple[str, list[str]]:
    header = re.search(r"^Demo logins \(password for every account: (\S+)\)$", seed_output, re.MULTILINE)
    assert header, f"seed_demo printed no login table:\n{seed_output}"
    lines = seed_output[header.end():].strip().splitlines()
    return header.group(1), [line.split()[1] for line in lines if line.strip()]


def test_seed_prints_a_login_for_every_role(embedded):
    password, usernames = _logins(embedded["seed_output"])
    assert password == "Demo-Portal-2026"
    with sqlite3.connect(embedded["db"]) as db:
        roles = dict(db.execute("SELECT username, role FROM portal_user").fetchall())
    assert set(usernames) <= set(roles), "a printed login does not exist in the database"
    assert {roles[name] for name in usernames} == ROLES
    assert "hq" in usernames


def test_login_page_is_served_with_its_static_files(embedded):
    with urllib.request.urlopen(f"{embedded['base']}/accounts/login/", timeout=10) as response:
        assert response.status == 200
        html = response.read().decode()
    assert "登录" in html
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert stylesheet, "the login page links no stylesheet"
    with urllib.request.urlopen(embedded["base"] + stylesheet.group(1), timeout=10) as response:
        assert response.status == 200
        assert "text/css" in response.headers["Content-Type"]
        assert response.read()


def test_hq_logs_in_with_the_printed_password_and_sees_the_dashboard(embedded):
    password, _ = _logins(embedded["seed_output"])
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    login_url = f"{embedded['base']}/accounts/login/"
    with opener.open(login_url, timeout=10) as response:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.read().decode())
    assert token, "the login form has no CSRF token"
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token.group(1), "username": "hq", "password": password, "next": ""}
    ).encode()
    request = urllib.request.Request(login_url, data=body, headers={"Referer": login_url})
    with opener.open(request, timeout=30) as response:
        assert response.status == 200
        final_url = response.geturl()
        html = response.read().decode()
    assert urllib.parse.urlparse(final_url).path == "/", f"login did not reach the dashboard: {final_url}"
    assert 'data-testid="dashboard-title"' in html
    assert "总局工作台" in html
    assert re.search(r'data-testid="whoami">[^<]*总局', html)
