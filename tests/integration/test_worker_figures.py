"""Cached figures in the last quarter of their minute are refreshed by a real Celery worker, not in the request."""

from __future__ import annotations

import os
import time
import uuid

import pytest
from django.core.cache import cache
from django.core.management import call_command

from portal.figures import Figures, _key, cached_figures, recompute
from programme.dashboard import _unit_counts_of
from programme.models import OrgUnit, OrgUnitLevel
from tests.factories import hq_user

from .conftest import CACHE_URL

pytestmark = pytest.mark.worker


def test_the_worker_refreshes_figures_while_the_request_keeps_the_cached_ones(worker, settings, wait_until):
    call_command("load_reference_data", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
    settings.FIGURES_CACHE_SECONDS = 4
    hq = hq_user()
    topic = f"integration-{uuid.uuid4().hex[:8]}"
    computation = recompute(_unit_counts_of, hq.pk)
    first = cached_figures(topic, "all", compute=computation)
    provinces = OrgUnit.objects.filter(level=OrgUnitLevel.PROVINCE).count()
    assert first.value["provinces"] == provinces > 30
    time.sleep(3.1)  # past three quarters of the lifetime

    again = cached_figures(topic, "all", compute=computation)
    assert again.as_of == first.as_of  # the request answered with the cached figures ...

    def refreshed() -> bool:  # ... and the worker stored fresh ones under the same key
        hit = cache.get(_key(topic, ("all",)))
        return isinstance(hit, Figures) and hit.as_of > first.as_of

    wait_until(refreshed, timeout=20, message=f"no refresh; worker log:\n{worker.log}")
    assert cache.get(_key(topic, ("all",))).value == first.value
    assert any("portal.tasks.refresh_figures[" in line and "succeeded" in line for line in worker.lines)
