"""Shared pytest fixtures.

The reference hierarchy (3,212 units: GB/T 2260 with its supplement), the NBS size table and the programme years
are loaded once per session into the test database; every test runs in a transaction on top of them.
"""

from __future__ import annotations

import os

import pytest
from django.core.management import call_command


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("load_reference_data", verbosity=0)


@pytest.fixture(autouse=True)
def _reference_data_present(request):
    """Transactional tests (live server, real worker) flush the database when they end; whichever test
    runs next on that database gets the idempotent reference data back first."""
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if marker is None and not {"db", "transactional_db", "live_server"} & names:
        return
    from programme.models import OrgUnit

    # Set the database up first (an autouse fixture may run before the test's own database fixture).
    transactional = bool({"transactional_db", "live_server"} & names) or bool(
        marker is not None and marker.kwargs.get("transaction")
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    if not OrgUnit.objects.exists():
        call_command("load_reference_data", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115


@pytest.fixture(autouse=True)
def _default_language():
    """A request to an English page leaves English active in the thread; the next test starts in zh-Hans."""
    yield
    from django.utils import translation

    translation.activate("zh-hans")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts without cached figures (portal/figures.py) or throttling counters of another."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def login(client):
    """Log a user into the test client without going through the throttled login form."""

    def _login(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return _login
