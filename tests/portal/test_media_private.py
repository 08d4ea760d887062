"""Uploaded and generated files are reachable only through the scoped download views, in every mode."""

import importlib

import pytest
from django.test import override_settings
from django.urls import clear_url_caches

import portal.urls

pytestmark = pytest.mark.django_db


@pytest.fixture
def debug_urls():
    """The URL configuration as the embedded demo (DEBUG on) builds it."""
    with override_settings(DEBUG=True):
        importlib.reload(portal.urls)
        clear_url_caches()
        yield
    importlib.reload(portal.urls)
    clear_url_caches()


@pytest.mark.parametrize("name", ["jobs/report-1.pdf", "uploads/ledger/2026/upload-1.xlsx", "evidence/1/a.pdf"])
def test_media_files_are_not_served_even_in_the_demo(debug_urls, settings, client, name):
    path = settings.MEDIA_ROOT / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"%PDF-1.4 secret")
    response = client.get(f"/media/{name}")
    assert response.status_code == 404
    assert b"secret" not in b"".join(getattr(response, "streaming_content", [response.content]))

