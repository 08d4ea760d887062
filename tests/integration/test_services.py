"""The production cache backend against the real Redis (production sets REDIS_CACHE_URL)."""

from __future__ import annotations

import os
import uuid

import pytest
from django.core.cache.backends.redis import RedisCache

CACHE_URL = os.environ.get("REDIS_TEST_CACHE_URL", "redis://127.0.0.1:6379/14")


@pytest.fixture
def cache():
    backend = RedisCache(CACHE_URL, {"KEY_PREFIX": f"it-{uuid.uuid4().hex[:8]}", "TIMEOUT": 60})
    yield backend
    backend.delete_many(["answer", "hits"])  # not clear(): that would flush the whole Redis database
    backend.close()


def test_redis_cache_round_trip(cache):
    cache.set("answer", {"units": 3209, "name": "天津市"})
    assert cache.get("answer") == {"units": 3209, "name": "天津市"}
    assert cache.add("answer", "other") is False
    cache.set("hits", 1)
    assert cache.incr("hits", 4) == 5
    cache.delete("answer")
    assert cache.get("answer", "gone") == "gone"
