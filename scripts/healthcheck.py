"""Container health check for the web service: GET /healthz on the local gunicorn.

It sends a Host the site accepts (the first of DJANGO_ALLOWED_HOSTS) and X-Forwarded-Proto: https, as the
TLS-terminating proxy in front of the portal does, so the HTTPS redirect does not get in the way.
Exit status 0 when the portal answers 200 (it also ran a query on the database), 1 otherwise.
"""

from __future__ import annotations

import os
import sys
import urllib.request


def main() -> int:
    hosts = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost").split(",") if h.strip()]
    host = (hosts[0] if hosts else "localhost").lstrip(".")
    if host == "*":
        host = "localhost"
    port = os.environ.get("PORT", "8000")
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/healthz", headers={"Host": host, "X-Forwarded-Proto": "https"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - fixed local URL
            return 0 if response.status == 200 else 1
    except OSError as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
