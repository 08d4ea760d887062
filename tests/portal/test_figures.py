"""The minute-long cache of scope-wide figures: refreshed after its time, dropped by topic, never shared
between scopes, and shown with the time the figures were computed."""

from __future__ import annotations

import time

import pytest

from portal.figures import _key, cached_figures, figures_changed, recompute, refreshable, run_refresh, scope_of
from tests.factories import CertificationBodyFactory, EnterpriseFactory, cb_user, district_user, hq_user, province_user

pytestmark = pytest.mark.django_db


def _counter():
    """A computation that returns how often it has run."""
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    return compute


def test_figures_are_computed_once_until_they_expire(settings):
    settings.FIGURES_CACHE_SECONDS = 1
    compute = _counter()
    first = cached_figures("t", "all", compute=compute)
    again = cached_figures("t", "all", compute=compute)
    assert (first.value, again.value, again.as_of) == (1, 1, first.as_of)
    time.sleep(1.2)
    fresh = cached_figures("t", "all", compute=compute)
    assert fresh.value == 2 and fresh.as_of > first.as_of


def test_a_changed_topic_is_computed_afresh_and_other_topics_are_kept():
    compute = _counter()
    other = _counter()
    cached_figures("questionnaire:2024", "x", compute=compute)
    cached_figures("questionnaire:2025", "x", compute=other)
    figures_changed("questionnaire:2024")
    assert cached_figures("questionnaire:2024", "x", compute=compute).value == 2
    assert cached_figures("questionnaire:2025", "x", compute=other).value == 1
    figures_changed("questionnaire:2024")  # again: the generation moves on
    assert cached_figures("questionnaire:2024", "x", compute=compute).value == 3


def test_live_figures_and_a_zero_lifetime_are_never_cached(settings):
    compute = _counter()
    cached_figures("t", "a", compute=compute, live=True)
    assert cached_figures("t", "a", compute=compute, live=True).value == 2
    settings.FIGURES_CACHE_SECONDS = 0
    assert cached_figures("t", "b", compute=compute).value == 3
    assert cached_figures("t", "b", compute=compute).value == 4


def test_scopes_follow_the_tenant_policy():
    tianjin, hebei = province_user("120000"), province_user("130000")
    scopes = {scope_of(u) for u in (hq_user(), tianjin, hebei, district_user("120113"), cb_user())}
    assert len(scopes) == 5
    assert scope_of(hq_user()) == scope_of(hq_user()) == "all"
    assert scope_of(province_user("120000")) == scope_of(tianjin)


def test_dashboard_counts_are_kept_per_province_and_show_their_time(client, login):
    EnterpriseFactory.create_batch(3, district_code="120113")
    EnterpriseFactory.create_batch(2, district_code="130102")
    tianjin, hebei = province_user("120000"), province_user("130000")
    login(tianjin)
    page = client.get("/")
    assert page.context["counts"]["enterprises"] == 3
    assert 'data-testid="figures-as-of"' in page.content.decode() and "统计时间" in page.content.decode()
    client.logout()
    login(hebei)  # Tianjin's figures are cached: Hebei must get its own
    assert client.get("/").context["counts"]["enterprises"] == 2
    EnterpriseFactory(district_code="130102")
    assert client.get("/").context["counts"]["enterprises"] == 2  # within the minute: the cached figure
    client.logout()
    login(tianjin)
    assert client.get("/").context["counts"]["enterprises"] == 3


def test_a_superuser_with_a_cb_role_does_not_share_hq_dashboard_figures(client, login):
    CertificationBodyFactory.create_batch(3)
    admin_cb = cb_user(is_superuser=True, is_staff=True)  # sees every row, yet its CB tile counts its own body
    login(admin_cb)
    assert client.get("/").context["counts"]["certification_bodies"] == 1
    client.logout()
    login(hq_user())
    assert client.get("/").context["counts"]["certification_bodies"] == 4


def test_dashboard_counts_refresh_after_their_lifetime(client, login, settings):
    settings.FIGURES_CACHE_SECONDS = 1
    EnterpriseFactory.create_batch(2, district_code="120113")
    login(hq_user())
    first = client.get("/").context
    assert first["counts"]["enterprises"] == 2
    EnterpriseFactory(district_code="120113")
    time.sleep(1.2)
    second = client.get("/").context
    assert second["counts"]["enterprises"] == 3 and second["counts_as_of"] > first["counts_as_of"]


def test_small_scopes_are_counted_live(client, login):
    EnterpriseFactory(district_code="120113")
    login(district_user("120113"))
    assert client.get("/").context["counts"]["enterprises"] == 1
    EnterpriseFactory(district_code="120113")
    assert client.get("/").context["counts"]["enterprises"] == 2


def test_ledger_counts_are_kept_per_scope_and_filters_and_shown_with_their_time(client, login):
    from tests.questionnaire.factories import assist

    for code in ("120113", "120113", "130102"):
        assist(EnterpriseFactory(district_code=code), year=2024)
    assist(EnterpriseFactory(district_code="120113"), year=2025)
    login(hq_user())
    page = client.get("/enterprises/ledger/")
    assert page.context["page_obj"].paginator.count == 4 and "统计时间" in page.content.decode()
    assert client.get("/enterprises/ledger/", {"year": 2024}).context["page_obj"].paginator.count == 3
    assist(EnterpriseFactory(district_code="130102"), year=2024)
    assert client.get("/enterprises/ledger/").context["page_obj"].paginator.count == 4  # cached for the minute
    client.logout()
    login(province_user("130000"))  # HQ's count is cached: Hebei must get its own
    assert client.get("/enterprises/ledger/").context["page_obj"].paginator.count == 2
    client.logout()
    login(district_user("120113"))  # a district's ledger is counted live, without a time
    page = client.get("/enterprises/ledger/")
    assert page.context["page_obj"].paginator.count == 3 and page.context["count_as_of"] is None
    assist(EnterpriseFactory(district_code="120113"), year=2024)
    assert client.get("/enterprises/ledger/").context["page_obj"].paginator.count == 4


def test_one_request_refreshes_figures_near_the_end_of_their_lifetime(settings):
    settings.FIGURES_CACHE_SECONDS = 2
    compute = _counter()
    assert cached_figures("t", "all", compute=compute).value == 1
    time.sleep(1.6)  # past three quarters of the lifetime, not yet expired
    assert cached_figures("t", "all", compute=compute).value == 2  # this request refreshes them
    assert cached_figures("t", "all", compute=compute).value == 2  # the fresh ones are kept


# --------------------------------------------------------------------------- refreshed by the worker

CALLS: list[str] = []


@refreshable
def _counted(label: str) -> int:
    CALLS.append(label)
    return len(CALLS)


@refreshable
def _with_inner(label: str) -> tuple[int, int]:
    inner = cached_figures("t-inner", label, compute=recompute(_counted, f"inner-{label}"))
    return len(CALLS), inner.value


@pytest.fixture
def production_celery(monkeypatch):
    """Celery as in production (not eager), with the refresh task's messages kept here instead of sent."""
    from portal import tasks

    queued: list[tuple] = []
    monkeypatch.setitem(tasks.refresh_figures.app.conf, "task_always_eager", False)
    monkeypatch.setattr(tasks.refresh_figures, "delay", lambda *args: queued.append(args))
    CALLS.clear()
    return queued


def test_in_production_a_refresh_is_queued_for_the_worker_and_the_request_keeps_the_cached_figures(
        settings, production_celery):
    settings.FIGURES_CACHE_SECONDS = 2
    first = cached_figures("t-worker", "all", compute=recompute(_counted, "x"))
    assert first.value == 1
    time.sleep(1.6)  # in the last quarter of the lifetime
    again = cached_figures("t-worker", "all", compute=recompute(_counted, "x"))
    assert (again.value, again.as_of, CALLS) == (1, first.as_of, ["x"])  # nothing computed in the request
    assert cached_figures("t-worker", "all", compute=recompute(_counted, "x")).value == 1
    assert len(production_celery) == 1  # one refresh for the crowd, with JSON-serialisable arguments
    name, args, key, seconds = production_celery[0]
    assert (name, args, seconds) == ("tests.portal.test_figures._counted", ["x"], 2)

    run_refresh(name, args, key, seconds)  # what the worker does with the message

    fresh = cached_figures("t-worker", "all", compute=recompute(_counted, "x"))
    assert fresh.value == 2 and fresh.as_of > first.as_of and CALLS == ["x", "x"]


def test_a_refresh_that_cannot_be_queued_is_computed_in_the_request(settings, production_celery, monkeypatch):
    from portal import tasks

    def unreachable(*args):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.refresh_figures, "delay", unreachable)
    settings.FIGURES_CACHE_SECONDS = 2
    assert cached_figures("t-down", "all", compute=recompute(_counted, "y")).value == 1
    time.sleep(1.6)
    assert cached_figures("t-down", "all", compute=recompute(_counted, "y")).value == 2


def test_a_plain_computation_is_still_refreshed_in_the_request(settings, production_celery):
    settings.FIGURES_CACHE_SECONDS = 2
    compute = _counter()
    assert cached_figures("t-plain", "all", compute=compute).value == 1
    time.sleep(1.6)
    assert cached_figures("t-plain", "all", compute=compute).value == 2
    assert production_celery == []


def test_a_worker_refresh_computes_the_figures_it_reads_afresh(settings, production_celery):
    """A refreshed panel made of cached figures is no older than its refresh: the inner figures are recomputed."""
    settings.FIGURES_CACHE_SECONDS = 60
    outer = cached_figures("t-outer", "a", compute=recompute(_with_inner, "a"))
    assert outer.value == (1, 1) and CALLS == ["inner-a"]
    name, args = "tests.portal.test_figures._with_inner", ["a"]
    key = _key("t-outer", ("a",))
    run_refresh(name, args, key, 60)
    assert CALLS == ["inner-a", "inner-a"]  # not the inner figure cached a moment ago
    assert cached_figures("t-outer", "a", compute=recompute(_with_inner, "a")).value == (2, 2)
    assert cached_figures("t-inner", "a", compute=recompute(_counted, "inner-a")).value == 2  # stored too


def test_only_registered_functions_are_refreshed(settings):
    from django.core.cache import cache

    with pytest.raises(ValueError, match="not registered"):
        recompute(len, "abc")
    run_refresh("os.system", ["echo hacked"], "figures:v1:t:0:x", 60)  # a forged message
    assert cache.get("figures:v1:t:0:x") is None


def test_in_production_a_changed_topic_is_recomputed_by_the_worker_while_the_older_figures_stand_in(
        settings, production_celery):
    first = cached_figures("t-change", "all", compute=recompute(_counted, "z"))
    figures_changed("t-change")  # e.g. a questionnaire submitted
    stand_in = cached_figures("t-change", "all", compute=recompute(_counted, "z"))
    assert (stand_in.value, stand_in.as_of, CALLS) == (1, first.as_of, ["z"])  # nothing computed in the request
    assert len(production_celery) == 1
    cached_figures("t-change", "all", compute=recompute(_counted, "z"))
    assert len(production_celery) == 1  # one refresh for the crowd
    run_refresh(*production_celery[0])
    fresh = cached_figures("t-change", "all", compute=recompute(_counted, "z"))
    assert fresh.value == 2 and fresh.as_of > first.as_of
    for _ in range(4):  # more changes than the stand-ins looked for: the request computes
        figures_changed("t-change")
    assert cached_figures("t-change", "all", compute=recompute(_counted, "z")).value == 3
