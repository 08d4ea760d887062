"""The targets pages: who sees and edits what (another province gets 404 or nothing), the form's messages, the
chain-problem register and its XLSX export."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from portal.models import AuditEvent
from reporting.targets import services
from reporting.targets.models import ChainProblem, Counting, Target
from tests.factories import (
    CertificationBodyFactory,
    cb_user,
    district_user,
    enterprise_user,
    expert_user,
    hq_user,
    province_user,
    unit,
)
from tests.reporting.test_targets import _training

pytestmark = pytest.mark.django_db

PROGRESS = reverse("targets:progress")
NEW = reverse("targets:target_new")
CHAIN = reverse("targets:chain_list")
EXPORT = reverse("targets:chain_export")


@pytest.fixture
def own_targets():
    """Tianjin and Hebei each set their own target on training sessions, with notes only they wrote."""
    tianjin = services.target_save(actor=province_user("120000"), indicator="training_sessions", first_year=2025,
                                   last_year=2027, value=Decimal(120), counting=Counting.CUMULATIVE,
                                   note="天津自定目标说明")
    hebei = services.target_save(actor=province_user("130000"), indicator="training_sessions", first_year=2025,
                                 last_year=2027, value=Decimal(987), counting=Counting.CUMULATIVE,
                                 note="河北自定目标说明")
    return {"tianjin": tianjin, "hebei": hebei}


@pytest.fixture
def problems():
    hq = hq_user()
    out = {}
    for code, title in (("120000", "天津光伏难题"), ("130000", "河北轴承难题")):
        out[code] = services.chain_problem_save(actor=hq, province=unit(code), year=2025, industry_chain="链",
                                                title=title, measures="措施", solved_on=dt.date(2025, 6, 1))
    return out


def _text(response) -> str:
    return response.content.decode()


def test_hq_sees_the_national_targets_and_can_compare_a_province(login, own_targets):
    client = login(hq_user())
    page = _text(client.get(PROGRESS))
    assert 'data-testid="row-assisted_enterprises"' in page and "5.0万家" in page
    assert "2027年需再帮扶约5.0万家" in page
    assert "天津自定目标说明" not in page  # no province asked for
    page = _text(client.get(PROGRESS, {"province": "120000"}))
    assert "天津自定目标说明" in page and "120场" in page and "河北自定目标说明" not in page
    assert client.get(PROGRESS, {"province": "999999"}).status_code == 404
    assert client.get(PROGRESS, {"province": "120113"}).status_code == 404  # a district is not a province


def test_a_province_sees_its_own_beside_the_nations_and_nothing_of_another(login, own_targets):
    client = login(province_user("120000"))
    response = client.get(PROGRESS)
    page = _text(response)
    assert response.status_code == 200
    assert "天津自定目标说明" in page and "河北自定目标说明" not in page and "987场" not in page
    assert f'href="{reverse("targets:target_edit", args=[own_targets["tianjin"].pk])}"' in page
    assert "set-own-assisted_enterprises" in page  # no own target on it yet: a link to set one
    national = Target.objects.national().get(indicator="assisted_enterprises")
    assert reverse("targets:target_edit", args=[national.pk]) not in page  # HQ's, not theirs
    assert client.get(PROGRESS, {"province": "130000"}).status_code == 404


def test_a_district_sees_its_provinces_targets_read_only(login, own_targets):
    client = login(district_user("120113"))
    page = _text(client.get(PROGRESS))
    assert "天津自定目标说明" in page and "河北自定目标说明" not in page
    assert "/edit/" not in page and "target-new" not in page
    assert client.get(PROGRESS, {"province": "130000"}).status_code == 404
    assert client.get(NEW).status_code == 404
    for target in own_targets.values():
        assert client.get(reverse("targets:target_edit", args=[target.pk])).status_code == 404


@pytest.mark.parametrize("make", [cb_user, enterprise_user, expert_user])
def test_other_roles_get_nothing(login, make, own_targets, problems):
    client = login(make())
    for url in (PROGRESS, NEW, CHAIN, EXPORT, reverse("targets:target_edit", args=[own_targets["tianjin"].pk]),
                reverse("targets:chain_edit", args=[problems["120000"].pk]),
                reverse("targets:target_provinces", args=[Target.objects.national().first().pk])):
        assert client.get(url).status_code == 404, url


def test_anonymous_is_sent_to_login(client):
    for url in (PROGRESS, CHAIN, EXPORT):
        assert client.get(url).status_code == 302


def test_another_provinces_target_is_404(login, own_targets):
    client = login(province_user("120000"))
    hebei = own_targets["hebei"]
    edit = reverse("targets:target_edit", args=[hebei.pk])
    assert client.get(edit).status_code == 404
    assert client.post(edit, {"indicator": "training_sessions", "first_year": 2025, "last_year": 2027,
                              "value": "1", "counting": "cumulative"}).status_code == 404
    assert client.post(reverse("targets:target_delete", args=[hebei.pk])).status_code == 404
    hebei.refresh_from_db()
    assert hebei.value == 987
    # HQ sets the national targets; a province's own are the province's.
    hq = login(hq_user())
    assert hq.get(edit).status_code == 404


def test_hq_edits_a_national_target(login):
    client = login(hq_user())
    target = Target.objects.national().get(indicator="training_sessions")
    edit = reverse("targets:target_edit", args=[target.pk])
    assert client.get(edit).status_code == 200
    response = client.post(edit, {"indicator": "training_sessions", "first_year": 2025, "last_year": 2027,
                                  "value": "32000", "counting": "yearly", "note": "每年3.2万场"})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.value == 32000 and target.counting == Counting.YEARLY and not target.from_plan
    assert AuditEvent.objects.filter(object_type="reporting.target", object_id=str(target.pk),
                                     action="update").exists()
    assert "每年3.2万场" in _text(client.get(PROGRESS))


def test_a_province_sets_its_own_target(login):
    client = login(province_user("120000"))
    form = _text(client.get(NEW, {"indicator": "assisted_enterprises"}))
    assert 'value="2025"' in form and 'value="2027"' in form  # the national target's period
    response = client.post(NEW, {"indicator": "assisted_enterprises", "first_year": 2025, "last_year": 2027,
                                 "value": "600", "counting": "cumulative"})
    assert response.status_code == 302
    target = Target.objects.get(org_unit__code="120000", indicator="assisted_enterprises")
    assert target.value == 600 and target.updated_by.username.startswith("user")
    page = _text(client.get(PROGRESS))
    assert "600家" in page


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"value": "五万"}, "value", "目标值应为数字"),
    ({"value": "0"}, "value", "目标值应大于0"),
    ({"value": "-3"}, "value", "目标值应大于0"),
    ({"value": ""}, "value", "请填写目标值"),
    ({"indicator": "no_such_figure"}, "indicator", "未知的指标：no_such_figure"),
    ({"first_year": "2027", "last_year": "2025"}, "last_year", "不能早于起始年度"),
    ({"first_year": "二〇二五"}, "first_year", "起始年度应为年份"),
    ({"counting": "sometimes"}, "counting", ""),
])
def test_the_form_names_what_is_wrong(login, changes, field, message):
    client = login(province_user("120000"))
    data = {"indicator": "training_sessions", "first_year": "2025", "last_year": "2027", "value": "100",
            "counting": "cumulative", **changes}
    response = client.post(NEW, data)
    assert response.status_code == 400
    page = _text(response)
    assert f'data-testid="error-{field}"' in page and message in page
    assert not Target.objects.filter(org_unit__code="120000").exists()


def test_the_form_refuses_a_second_target_and_an_indicator_not_for_the_level(login, own_targets):
    client = login(province_user("120000"))
    response = client.post(NEW, {"indicator": "training_sessions", "first_year": 2025, "last_year": 2027,
                                 "value": "5", "counting": "cumulative"})
    assert response.status_code == 400 and "本单位已设定该指标的目标" in _text(response)
    hq = login(hq_user())
    response = hq.post(NEW, {"indicator": "evaluation_rank", "first_year": 2025, "last_year": 2027, "value": "1",
                             "counting": "level"})
    assert response.status_code == 400 and "不适用于全国单位" in _text(response)


def test_a_province_deletes_its_own_target(login, own_targets):
    client = login(province_user("120000"))
    target = own_targets["tianjin"]
    assert client.post(reverse("targets:target_delete", args=[target.pk])).status_code == 302
    assert not Target.objects.filter(pk=target.pk).exists()
    assert AuditEvent.objects.filter(object_type="reporting.target", object_id=str(target.pk),
                                     action="delete").exists()


# --------------------------------------------------------------------------- chain problems


def test_each_sees_the_problems_of_its_scope(login, problems):
    hq = _text(login(hq_user()).get(CHAIN))
    assert "天津光伏难题" in hq and "河北轴承难题" in hq
    for user in (province_user("120000"), district_user("120113")):
        page = _text(login(user).get(CHAIN))
        assert "天津光伏难题" in page and "河北轴承难题" not in page
    hebei = problems["130000"]
    client = login(province_user("120000"))
    assert client.get(reverse("targets:chain_edit", args=[hebei.pk])).status_code == 404
    assert client.post(reverse("targets:chain_delete", args=[hebei.pk])).status_code == 404
    assert ChainProblem.objects.filter(pk=hebei.pk).exists()
    district = login(district_user("120113"))
    assert district.get(reverse("targets:chain_edit", args=[problems["120000"].pk])).status_code == 404
    assert "chain-new" not in _text(district.get(CHAIN))


def test_a_district_cannot_record(login):
    client = login(district_user("120113"))
    response = client.post(CHAIN, {"province": unit("120000").pk, "year": 2025, "industry_chain": "c", "title": "t",
                                   "measures": "m", "solved_on": "2025-05-01"})
    assert response.status_code == 404 and not ChainProblem.objects.exists()


def test_a_province_records_a_problem_solved(login):
    client = login(province_user("120000"))
    data = {"province": unit("120000").pk, "year": "2025", "industry_chain": "新能源汽车零部件",
            "title": "压铸件尺寸一致性差", "measures": "统一关键尺寸控制计划", "solved_on": "2025-08-01"}
    assert client.post(CHAIN, data).status_code == 302
    problem = ChainProblem.objects.get()
    assert problem.province.code == "120000" and problem.programme_year_id == 2025
    assert AuditEvent.objects.filter(object_type="reporting.chainproblem", object_id=str(problem.pk)).exists()
    # Another province is not among its choices.
    response = client.post(CHAIN, {**data, "province": unit("130000").pk, "title": "x"})
    assert response.status_code == 400 and "只能为本单位可登记的省份登记" in _text(response)
    response = client.post(CHAIN, {**data, "title": "y", "solved_on": "2024-12-01"})
    assert response.status_code == 400 and "不在2025年度内" in _text(response)
    response = client.post(CHAIN, {**data, "title": "z", "solved_on": "明天"})
    assert response.status_code == 400 and "解决日期应为日期" in _text(response)
    response = client.post(CHAIN, {**data, "title": "w", "year": "1999"})
    assert response.status_code == 400 and 'data-testid="error-year"' in _text(response)
    assert ChainProblem.objects.count() == 1


def test_a_problem_solved_in_the_future_is_refused(login):
    client = login(hq_user())
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    response = client.post(CHAIN, {"province": unit("120000").pk, "year": str(tomorrow.year), "industry_chain": "c",
                                   "title": "t", "measures": "m", "solved_on": tomorrow.isoformat()})
    assert response.status_code == 400 and not ChainProblem.objects.exists()


def test_the_progress_page_counts_the_register(login, problems):
    page = _text(login(hq_user()).get(PROGRESS))
    assert "2027年需再解决约28个" in page


def test_the_export_holds_only_the_visible_problems(login, problems):
    response = login(province_user("120000")).get(EXPORT)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert "天津光伏难题" in values and "河北轴承难题" not in values
    response = login(hq_user()).get(EXPORT, {"province": "130000"})
    values = [c for row in load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True)
              for c in row if c is not None]
    assert "河北轴承难题" in values and "天津光伏难题" not in values


def test_the_dashboard_shows_the_nations_progress(login):
    page = _text(login(province_user("120000")).get(reverse("dashboard")))
    assert 'data-testid="targets-panel"' in page and "5.0万家" in page
    assert 'data-testid="targets-panel"' not in _text(login(cb_user()).get(reverse("dashboard")))


def test_the_nav_entry_is_for_hq_and_provinces(login):
    assert f'href="{PROGRESS}"' in _text(login(hq_user()).get(reverse("dashboard")))
    assert f'href="{PROGRESS}">' not in _text(login(cb_user()).get(reverse("dashboard")))


def test_english(login, own_targets):
    client = login(province_user("120000"))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = _text(client.get(PROGRESS))
    assert "Progress towards the three-year plan" in page
    assert "more to assist" in page


def test_hq_sees_a_national_target_province_by_province(login, own_targets):
    body = CertificationBodyFactory()
    for _ in range(3):
        _training(body, "120113", 2025)
    _training(body, "130102", 2025)
    target = Target.objects.national().get(indicator="training_sessions")
    url = reverse("targets:target_provinces", args=[target.pk])
    response = login(hq_user()).get(url)
    page = _text(response)
    assert response.status_code == 200 and 'class="bar-chart"' in page
    assert page.count('data-testid="province-') == 32 + 2  # every provincial unit, the chart and the table
    tianjin = page.split('data-testid="province-120000"')[1].split("</tr>")[0]
    assert "3场" in tianjin and "120场" in tianjin  # its part by the national rule, and its own target
    hebei = page.split('data-testid="province-130000"')[1].split("</tr>")[0]
    assert "1场" in hebei and "987场" in hebei
    for user in (province_user("120000"), district_user("120113")):
        assert login(user).get(url).status_code == 404
    assert login(hq_user()).get(reverse("targets:target_provinces", args=[own_targets["hebei"].pk])).status_code \
        == 404  # only national targets have a province view


def test_the_province_page_does_not_query_per_province(login):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    target = Target.objects.national().get(indicator="training_sessions")
    url = reverse("targets:target_provinces", args=[target.pk])
    client = login(hq_user())

    def count() -> int:
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    services.target_save(actor=province_user("120000"), indicator="training_sessions", first_year=2025,
                         last_year=2027, value=Decimal(5), counting=Counting.CUMULATIVE)
    few = count()
    for code in ("130000", "140000", "150000"):
        services.target_save(actor=province_user(code), indicator="training_sessions", first_year=2025,
                             last_year=2027, value=Decimal(5), counting=Counting.CUMULATIVE)
    assert count() == few
