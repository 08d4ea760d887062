"""The questionnaire's national and provincial figures are cached for a minute: a submission or a reopening
shows at once, a province never sees another province's figures, and access is checked before the cache."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from enterprises.questionnaire import services
from programme.models import Deadline, DeadlineKind
from tests.factories import EnterpriseFactory, enterprise_user, hq_user, province_user

from .factories import YEAR, assist, full_answers, response, version

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    Deadline.objects.filter(programme_year_id=YEAR, kind=DeadlineKind.QUESTIONNAIRE).update(
        due_at=timezone.now() + dt.timedelta(days=5))
    version(YEAR)
    tianjin = [EnterpriseFactory(district_code="120113") for _ in range(3)]
    hebei = [EnterpriseFactory(district_code="130102") for _ in range(2)]
    for e in [*tianjin, *hebei]:
        assist(e)
    response(tianjin[0])
    return {"tianjin": tianjin, "hebei": hebei}


def _progress(client):
    return client.get(reverse("questionnaire:progress", args=[YEAR])).context


def _aggregates(client, **params):
    return client.get(reverse("questionnaire:aggregates", args=[YEAR]), params)


def test_a_submission_shows_at_once_on_cached_figures(world, login, django_capture_on_commit_callbacks):
    hq = login(hq_user())
    before = _progress(hq)["figures"]
    assert (before.assisted, before.submitted) == (5, 1)
    assert _aggregates(hq).context["figures"].submitted == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.response_save(actor=enterprise_user(world["hebei"][0]), version=version(YEAR),
                               answers=full_answers(), submit=True)
    hq = login(hq_user())
    assert _progress(hq)["figures"].submitted == 2
    assert _aggregates(hq).context["figures"].submitted == 2
    page = hq.get("/").content.decode()
    assert 'data-testid="figures-as-of"' in page


def test_a_reopening_shows_at_once(world, login, django_capture_on_commit_callbacks):
    hq = login(hq_user())
    assert _progress(hq)["figures"].submitted == 1
    submitted = world["tianjin"][0].questionnaire_responses.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.response_reopen(actor=hq_user(), response=submitted, reason="数据有误")
    assert _progress(login(hq_user()))["figures"].submitted == 0


def test_drafts_and_ledger_changes_wait_for_the_minute(world, login):
    hq = login(hq_user())
    assert _progress(hq)["figures"].assisted == 5
    assist(EnterpriseFactory(district_code="120113"))
    page = _progress(hq)
    assert page["figures"].assisted == 5 and page["figures_as_of"] is not None
    # The unfiltered list is paged by that figure, and its total says when it was counted; a filtered one is live.
    assert page["page_obj"].paginator.count == 5 and page["count_as_of"] == page["figures_as_of"]
    filtered = hq.get(reverse("questionnaire:progress", args=[YEAR]), {"status": "pending"}).context
    assert filtered["page_obj"].paginator.count == 5 and filtered["count_as_of"] is None


def test_provinces_never_share_figures(world, login):
    tianjin = _progress(login(province_user("120000")))["figures"]
    hebei = _progress(login(province_user("130000")))["figures"]
    assert (tianjin.assisted, tianjin.submitted) == (3, 1)
    assert (hebei.assisted, hebei.submitted) == (2, 0)
    assert _aggregates(login(province_user("130000"))).context["figures"].assisted == 2
    assert _aggregates(login(province_user("120000"))).context["figures"].assisted == 3


def test_access_is_checked_before_cached_figures(world, login):
    """HQ's look at Hebei fills the cache; Tianjin asking for Hebei still gets a 404."""
    assert _aggregates(login(hq_user()), unit="130000").context["figures"].assisted == 2
    assert _aggregates(login(province_user("120000")), unit="130000").status_code == 404
    assert _aggregates(login(province_user("130000")), unit="130000").context["figures"].assisted == 2
