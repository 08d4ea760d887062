"""Container health check: ``python scripts/healthcheck.py [--part web|worker|beat]`` (default ``web``).

``web``: GET /healthz on the local gunicorn. It sends a Host the site accepts (the first of DJANGO_ALLOWED_HOSTS)
and X-Forwarded-Proto: https, as the TLS-terminating proxy in front of the portal does, so the HTTPS redirect does
not get in the way. It asks for the parts the web process itself needs (``?part=database&part=cache&part=broker``):
a stopped worker makes the worker unhealthy, not the web server. Healthy only on 200 (503 when one is down).
Without ``?part=``, /healthz reports every part, worker and beat heartbeats included.

``worker`` / ``beat``: that process's own heartbeat (``manage.py healthcheck --part worker|beat``), read from the
database the way /healthz reads it, so a worker that no longer runs tasks, or a beat that no longer sends them,
is unhealthy even though its process is still there.

Exit status 0 when healthy, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def check_web() -> int:
    hosts = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost").split(",") if h.strip()]
    host = (hosts[0] if hosts else "localhost").lstrip(".")
    if host == "*":
        host = "localhost"
    port = os.environ.get("PORT", "8000")
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/healthz?part=database&part=cache&part=broker",
        headers={"Host": host, "X-Forwarded-Proto": "https"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - fixed local URL
            return 0 if response.status == 200 else 1
    except urllib.error.HTTPError as exc:  # 503: the body says which part is down
        print(f"unhealthy: HTTP {exc.code} {exc.read(2000).decode(errors='replace')}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1


def check_process(part: str) -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.production")
    import django
    from django.core.management import CommandError, call_command

    django.setup()
    try:
        call_command("healthcheck", part=[part])
    except CommandError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("web", "worker", "beat"), default="web")
    part = parser.parse_args(argv).part
    return check_web() if part == "web" else check_process(part)


if __name__ == "__main__":
    sys.exit(main())
