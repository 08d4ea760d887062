"""The analytics pages and dashboards: figures from the catalogue, links to the records, bad input, tenant isolation."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import SelfAssessment, SelfAssessmentStatus
from enterprises.models import LedgerRecord, TrainingRecord
from programme.models import OrgUnit, OrgUnitLevel, PilotFiling, PilotFilingStatus, PilotRegion
from reporting.indicators import compute, indicator
from tests.factories import (
    CertificationBodyFactory,
    EnterpriseFactory,
    cb_user,
    district_user,
    hq_user,
    province_user,
    unit,
)

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year
LAST = YEAR - 1


def _ledger(cb, enterprise, year=YEAR, fee=Decimal("1000")):
    return LedgerRecord.objects.create(
        programme_year_id=year, certification_body=cb, enterprise=enterprise, start_date=dt.date(year, 3, 1),
        end_date=dt.date(year, 4, 1), reported_name=enterprise.name, reported_district=enterprise.district,
        reported_industry="industry", dimensions="quality_mgmt", modes="diagnosis", certification_fee=Decimal("9000"),
        fee_reduction=fee)


def _training(cb, district, year, persons):
    return TrainingRecord.objects.create(
        programme_year_id=year, certification_body=cb, district=unit(district), held_on=dt.date(year, 3, 1),
        organiser="o", topic=f"t{persons}", delivery="offline", enterprise_count=3, person_count=persons)


@pytest.fixture
def data():
    """Tianjin: 3 enterprises this year (2 in 120113, 1 in 120114), 2 last year; Hebei: 1 this year."""
    cb1, cb2 = CertificationBodyFactory(name="认证甲"), CertificationBodyFactory(name="认证乙")
    tj = [EnterpriseFactory(district_code=c) for c in ("120113", "120113", "120114")]
    hb = EnterpriseFactory(district_code="130102")
    _ledger(cb1, tj[0], fee=Decimal("3000"))
    _ledger(cb2, tj[1])
    _ledger(cb2, tj[2])
    _ledger(cb1, hb, fee=Decimal("777"))
    _ledger(cb1, tj[0], year=LAST)
    _ledger(cb1, tj[2], year=LAST)
    _training(cb1, "120113", YEAR, 40)
    _training(cb2, "130102", YEAR, 9)
    SelfAssessment.objects.create(programme_year_id=YEAR, unit=unit("120000"), status=SelfAssessmentStatus.SUBMITTED)
    SelfAssessment.objects.create(programme_year_id=YEAR, unit=unit("130000"), status=SelfAssessmentStatus.ACCEPTED,
                                  is_late=True)
    # Tianjin has two pilots this year, one has filed
    for i in range(2):
        pilot = PilotRegion.objects.create(name=f"试点{i}", industry="i", province=unit("120000"), start_year=LAST)
        pilot.districts.add(unit("120113"))
        if i == 0:
            PilotFiling.objects.create(pilot=pilot, programme_year_id=YEAR, status=PilotFilingStatus.SUBMITTED)
    return {"cb1": cb1, "cb2": cb2}


def _provinces():
    return OrgUnit.objects.filter(level=OrgUnitLevel.PROVINCE, is_active=True).exclude(
        code__in=["710000", "810000", "820000"])


# --------------------------------------------------------------------------- dashboards


def test_hq_dashboard_shows_sorted_bars_the_completeness_table_and_the_china_map(data, login):
    page = login(hq_user()).get(reverse("dashboard")).content.decode()
    assert 'data-testid="analytics-panel"' in page
    bars = re.search(r'data-key="assisted_enterprises">(.*?)</figure>', page, re.S).group(1)
    titles = re.findall(r"<title>([^<]*)</title>", bars)
    assert titles[:2] == ["天津市：3家", "河北省：1家"]  # sorted, best first
    assert len(titles) == _provinces().count() and titles[-1].endswith("：—")  # no data: "—", at the bottom
    assert f"/enterprises/ledger/?year={YEAR}&amp;district=120000" in bars  # each bar links to its records
    fee = re.search(r'data-key="fee_reduction">(.*?)</figure>', page, re.S).group(1)
    assert "天津市：5000元" in fee and "河北省：777元" in fee
    trained = re.search(r'data-key="trained_persons">(.*?)</figure>', page, re.S).group(1)
    assert f"/enterprises/training/?year={YEAR}&amp;district=120000" in trained
    # completeness: one row per provincial unit and a total
    table = re.search(r'data-testid="completeness">(.*?)</table>', page, re.S).group(1)
    assert len(re.findall(r'<tr data-code="\d{6}">', table)) == _provinces().count()
    tianjin = re.search(r'<tr data-code="120000">(.*?)</tr>', table, re.S).group(1)
    hebei = re.search(r'<tr data-code="130000">(.*?)</tr>', table, re.S).group(1)
    beijing = re.search(r'<tr data-code="110000">(.*?)</tr>', table, re.S).group(1)
    assert "按时提交" in tianjin and "逾期提交" in hebei and "未提交" in beijing
    sa = SelfAssessment.objects.get(unit__code="120000")
    assert reverse("assessments:self_detail", args=[sa.pk]) in tianjin
    assert "status yes" in tianjin and "status no" in beijing
    assert "1/2" in tianjin and "status partly" in tianjin  # one of two pilots filed
    assert beijing.rstrip().endswith(">—</a></td>")  # no pilot: nothing to file
    pilots = re.search(r'data-key="pilot_filing_rate">(.*?)</figure>', page, re.S).group(1)
    assert "天津市：50.0%" in pilots and "北京市：—" in pilots
    total = re.search(r'data-testid="completeness-total">(.*?)</tr>', table, re.S).group(1)
    n = _provinces().count()
    assert f"2/{n}" in total and "按时1 · 逾期1 · 未交" in total
    # the China map of one key indicator, linked to the map page
    china = re.search(r'data-testid="dashboard-map">(.*?)</figure>', page, re.S).group(1)
    assert "<svg" in china and "710000" in china and "天津市：3家" in china
    assert f"/analytics/map/?indicator=assisted_enterprises&amp;year={YEAR}" in page


def test_province_dashboard_breaks_down_by_district(data, login):
    page = login(province_user("120000")).get(reverse("dashboard")).content.decode()
    bars = re.search(r'data-key="assisted_enterprises">(.*?)</figure>', page, re.S).group(1)
    titles = re.findall(r"<title>([^<]*)</title>", bars)
    districts = OrgUnit.objects.filter(level=OrgUnitLevel.DISTRICT, is_active=True, path__startswith="000000/120000/")
    assert len(titles) == districts.count()
    assert titles[0] == f"{unit('120113').name}：2家" and titles[1] == f"{unit('120114').name}：1家"
    assert "河北省" not in page and "130102" not in page  # another province's figures never appear
    tianjin_map = re.search(r'data-testid="dashboard-map">(.*?)</figure>', page, re.S).group(1)
    assert "<svg" in tianjin_map and f"{unit('120113').name}：2家" in tianjin_map
    table = re.search(r'data-testid="completeness">(.*?)</table>', page, re.S).group(1)
    assert '<tr data-code="120113">' in table


def test_district_dashboard_shows_its_figures_and_its_cbs(data, login):
    page = login(district_user("120113")).get(reverse("dashboard")).content.decode()
    own = re.search(r'data-testid="dashboard-own">(.*?)</div>', page, re.S).group(1)
    assert "2家" in own and f"比{LAST}年增加100%" in own  # 1 → 2
    cbs = re.search(r'data-key="cb_assisted">(.*?)</figure>', page, re.S).group(1)
    assert "认证甲：1家" in cbs and "认证乙：1家" in cbs
    assert f"cb={data['cb1'].approval_number}" in cbs
    assert "777元" not in page  # Hebei's fee reduction (a bare "777" could be a timestamp's microseconds)
    table = re.search(r'data-testid="cb-completeness">(.*?)</table>', page, re.S).group(1)
    cb1_row = re.search(rf'<tr data-cb="{data["cb1"].approval_number}">(.*?)</tr>', table, re.S).group(1)
    assert re.findall(r'<td class="num"><a[^>]*>([^<]*)</a></td>', cb1_row) == ["1家", "0份", "0.0%", "1条", "1场"]
    assert "本辖区" in table and "2家" in table


def test_dashboard_values_equal_the_catalogue_and_the_api(data, login):
    client = login(hq_user())
    page = client.get(reverse("dashboard")).content.decode()
    api = client.get(reverse("api-indicator-values"), {
        "keys": "assisted_enterprises,fee_reduction,trained_persons", "by": "children", "years": str(YEAR)}).json()
    table = compute(["assisted_enterprises", "fee_reduction", "trained_persons"],
                    units=[unit("000000"), *_provinces()], years=[YEAR])
    by = {(v["key"], v["unit"]): v for v in api["values"]}
    for key in ("assisted_enterprises", "fee_reduction", "trained_persons"):
        ind = indicator(key)
        for code in ("120000", "130000"):
            value = table.get(key, code, YEAR)
            assert by[(key, code)]["text"] == ind.format(value)
            assert by[(key, code)]["value"] == (None if value is None else float(value))
            name = unit(code).name
            assert f"{name}：{ind.format(value)}" in page


def test_dashboard_panel_is_only_for_unit_staff(data, login):
    page = login(cb_user(data["cb1"])).get(reverse("dashboard")).content.decode()
    assert 'data-testid="analytics-panel"' not in page


# --------------------------------------------------------------------------- map


def test_hq_map_page_draws_china_with_a_table_and_an_xlsx(data, login):
    client = login(hq_user())
    response = client.get(reverse("analytics:map"), {"indicator": "assisted_enterprises", "year": YEAR})
    page = response.content.decode()
    assert response.status_code == 200
    for code in ("710000", "810000", "820000", "660000", "120000"):
        assert code in page
    rows = re.findall(r'<tr data-code="(\d{6})">', page)
    assert rows[:2] == ["120000", "130000"] and len(rows) == _provinces().count()
    assert re.search(r'data-testid="map-total">4家<', page)  # the nation: 3 + 1
    by_name = client.get(reverse("analytics:map"), {"indicator": "assisted_enterprises", "order": "name"})
    assert re.findall(r'<tr data-code="(\d{6})">', by_name.content.decode())[0] == "110000"
    xlsx = client.get(reverse("analytics:map"), {"indicator": "assisted_enterprises", "year": YEAR,
                                                 "format": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    values = [row for row in ws.iter_rows(values_only=True) if row and row[0] in ("120000", "130000", "000000")]
    assert values == [("120000", "天津市", 3, "3家"), ("130000", "河北省", 1, "1家"), ("000000", "全国", 4, "4家")]


def test_province_map_shows_its_districts_only(data, login):
    client = login(province_user("120000"))
    page = client.get(reverse("analytics:map"), {"indicator": "trained_persons"}).content.decode()
    rows = re.findall(r'<tr data-code="(\d{6})">', page)
    assert rows[0] == "120113" and all(code.startswith("12") for code in rows)
    assert "40人次" in page and "9人次" not in page


def test_district_map_says_there_is_nothing_to_map(data, login):
    page = login(district_user("120113")).get(reverse("analytics:map")).content.decode()
    assert "没有下级区域" in page and 'data-testid="map"' not in page


@pytest.mark.parametrize("params, message", [
    ({"indicator": "no_such_thing"}, "没有指标“no_such_thing”"),
    ({"year": "2019"}, "“2019”不是提升行动年度"),
    ({"year": "abc"}, "“abc”不是提升行动年度"),
    ({"indicator": "evaluation_rank", "year": "2020"}, "2020年还没有“成效评估排名”的数据"),
])
def test_map_bad_input_is_a_message(data, login, params, message):
    response = login(hq_user()).get(reverse("analytics:map"), params)
    assert response.status_code == 200 and message in response.content.decode()


def test_map_indicator_not_for_the_level(login, monkeypatch):
    from reporting import indicators as catalogue_module

    ind = indicator("evaluation_total")
    # evaluation figures exist for provinces and districts; for a city-level map they would not apply
    assert not ind.applies_to("country") and ind.applies_to("province")
    response = login(hq_user()).get(reverse("analytics:trends"), {"indicator": "evaluation_total",
                                                                  "unit": "000000"})
    assert "不适用于全国单位" in response.content.decode()
    assert catalogue_module.indicator("evaluation_total") is ind


# --------------------------------------------------------------------------- trends


def test_trend_of_a_unit_with_the_change_on_last_year(data, login):
    client = login(hq_user())
    page = client.get(reverse("analytics:trends"), {"indicator": "assisted_enterprises",
                                                    "unit": "120000"}).content.decode()
    assert re.search(rf'data-testid="trend-current">{YEAR}年：3家', page)
    assert f"比{LAST}年增加50%" in page  # 2 → 3
    assert 'data-testid="trend-chart"' in page and "polyline" in page
    row = re.search(r'<tr data-key="assisted_enterprises">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r'<td class="num">([^<]*)</td>', row)[-2:] == ["2家", "3家"]
    xlsx = client.get(reverse("analytics:trends"), {"unit": "120000", "format": "xlsx"})
    ws = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    found = [r for r in ws.iter_rows(values_only=True) if r and r[0] == "精准帮扶小微企业"]
    assert found and found[0][-3:] == (2, 3, f"比{LAST}年增加50%")


def test_trends_of_the_nation_for_hq_only(data, login):
    page = login(hq_user()).get(reverse("analytics:trends"), {"unit": "000000"}).content.decode()
    assert f"{YEAR}年：4家" in page  # 3 in Tianjin + 1 in Hebei
    assert login(province_user("120000")).get(reverse("analytics:trends"), {"unit": "000000"}).status_code == 404


def test_small_multiples_sorted_by_the_current_value(data, login):
    page = login(hq_user()).get(reverse("analytics:trends_units"),
                                {"indicator": "assisted_enterprises"}).content.decode()
    codes = re.findall(r'class="multiple" href="[^"]*" data-code="(\d{6})"', page)
    assert codes[:2] == ["120000", "130000"] and len(codes) == _provinces().count()
    assert f"比{LAST}年增加50%" in page


def test_district_small_multiples_say_there_are_no_sub_units(login):
    page = login(district_user("120113")).get(reverse("analytics:trends_units")).content.decode()
    assert "没有下级单位" in page


# --------------------------------------------------------------------------- catalogue


def test_catalogue_page_lists_every_indicator(login):
    from reporting.indicators import catalogue

    page = login(hq_user()).get(reverse("analytics:catalogue")).content.decode()
    for ind in catalogue():
        assert f'data-key="{ind.key}"' in page
    assert "去重计数" in page and "越高越好" in page


def test_catalogue_page_in_english(login):
    client = login(hq_user())
    client.cookies["django_language"] = "en"
    page = client.get(reverse("analytics:catalogue"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Enterprises given precise assistance" in page and "Distinct count" in page
    assert re.search(r"\d+ indicators\.", page)


# --------------------------------------------------------------------------- tenants and roles


@pytest.mark.parametrize("name", ["analytics:map", "analytics:trends", "analytics:trends_units",
                                  "analytics:catalogue", "analytics:index"])
def test_pages_are_for_unit_staff_only(login, name):
    assert login(cb_user()).get(reverse(name)).status_code == 404


@pytest.mark.parametrize("code", ["130000", "130102", "000000", "999999"])
def test_another_tenants_unit_is_not_found(data, login, code):
    client = login(province_user("120000"))
    assert client.get(reverse("analytics:trends"), {"unit": code}).status_code == 404
    assert client.get(reverse("analytics:trends"), {"unit": code, "format": "xlsx"}).status_code == 404
    assert client.get(reverse("api-indicator-values"), {"keys": "assisted_enterprises", "unit": code}
                      ).status_code == 404


def test_a_district_sees_only_itself(data, login):
    client = login(district_user("120114"))
    assert client.get(reverse("analytics:trends"), {"unit": "120113"}).status_code == 404
    page = client.get(reverse("analytics:trends")).content.decode()
    assert f"{YEAR}年：1家" in page


# --------------------------------------------------------------------------- API


def test_catalogue_api(login):
    body = login(cb_user()).get(reverse("api-indicators")).json()
    keys = [row["key"] for row in body]
    assert "assisted_enterprises" in keys and "q_response_rate" in keys
    row = next(r for r in body if r["key"] == "fee_reduction")
    assert row["unit"] == "元" and row["aggregation"] == "sum" and row["better"] == "up"
    assert set(row["levels"]) == {"country", "province", "city", "district"}


def test_values_api_for_a_unit_and_its_children(data, login):
    body = login(province_user("120000")).get(reverse("api-indicator-values"), {
        "keys": "assisted_enterprises,q_response_rate", "years": f"{LAST},{YEAR}", "by": "children"}).json()
    assert body["years"] == [LAST, YEAR] and body["units"][0]["code"] == "120000"
    assert all(u["code"].startswith("12") for u in body["units"])
    by = {(v["key"], v["unit"], v["year"]): v for v in body["values"]}
    assert by[("assisted_enterprises", "120000", YEAR)] == {
        "key": "assisted_enterprises", "unit": "120000", "year": YEAR, "value": 3, "text": "3家"}
    assert by[("assisted_enterprises", "120113", YEAR)]["value"] == 2
    assert by[("q_response_rate", "120000", YEAR)]["text"] == "0.0%"  # 3 assisted, none answered
    assert by[("assisted_enterprises", "120113", LAST)]["value"] == 1
    assert by[("q_response_rate", "120113", LAST)] == {
        "key": "q_response_rate", "unit": "120113", "year": LAST, "value": 0, "text": "0.0%"}


@pytest.mark.parametrize("params, field", [
    ({"keys": ""}, "keys"),
    ({"keys": "nope,assisted_enterprises"}, "keys"),
    ({"keys": "assisted_enterprises", "years": "2019"}, "years"),
    ({"keys": "assisted_enterprises", "years": "x"}, "years"),
    ({"keys": "assisted_enterprises", "by": "parents"}, "by"),
])
def test_values_api_bad_input(login, params, field):
    response = login(hq_user()).get(reverse("api-indicator-values"), params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid" and field in response.json()["error"]["fields"]


def test_values_api_is_for_unit_staff(login):
    response = login(cb_user()).get(reverse("api-indicator-values"), {"keys": "assisted_enterprises"})
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"


def test_api_is_in_the_schema(login):
    schema = login(hq_user()).get(reverse("api-schema")).content.decode()
    assert "/api/indicators/" in schema and "/api/indicators/values/" in schema


def test_every_indicator_has_the_same_value_on_the_trends_page_its_xlsx_the_map_and_the_api(data, login):
    from reporting.indicators import catalogue

    client = login(hq_user())
    tianjin = unit("120000")
    keys = [ind.key for ind in catalogue() if ind.applies_to(tianjin.level)]
    table = compute(keys, units=[tianjin], years=[LAST, YEAR])
    page = client.get(reverse("analytics:trends"), {"unit": "120000"}).content.decode()
    ws = openpyxl.load_workbook(io.BytesIO(client.get(reverse("analytics:trends"), {
        "unit": "120000", "format": "xlsx"}).content)).active
    sheet = {row[0]: row for row in ws.iter_rows(values_only=True) if row and row[0]}
    api = client.get(reverse("api-indicator-values"), {"keys": ",".join(keys), "unit": "120000",
                                                       "years": f"{LAST},{YEAR}"}).json()
    by = {(v["key"], v["year"]): v for v in api["values"]}
    for key in keys:
        ind = indicator(key)
        value = table.get(key, "120000", YEAR)
        row = re.search(rf'<tr data-key="{key}">(.*?)</tr>', page, re.S).group(1)
        assert re.findall(r'<td class="num">([^<]*)</td>', row)[-1] == ind.format(value), key
        assert by[(key, YEAR)]["text"] == ind.format(value), key
        assert (by[(key, YEAR)]["value"] is None) == (value is None), key
        if value is not None:
            assert by[(key, YEAR)]["value"] == pytest.approx(float(value)), key
        xrow = sheet[str(ind.name)]
        assert (xrow[-2] is None and value is None) or float(xrow[-2]) == pytest.approx(float(value)), key
        assert (xrow[-1] or "") == ind.change(value, table.get(key, "120000", LAST), previous_year=LAST), key
        map_page = client.get(reverse("analytics:map"), {"indicator": key, "year": YEAR}).content.decode()
        cell = re.search(r'<tr data-code="120000">.*?<td class="num">([^<]*)</td>', map_page, re.S)
        assert cell is not None and cell.group(1) == ind.format(value), key


def test_a_provinces_small_multiples_and_map_xlsx_hold_only_its_districts(data, login):
    client = login(province_user("130000"))
    page = client.get(reverse("analytics:trends_units"), {"indicator": "assisted_enterprises"}).content.decode()
    codes = re.findall(r'class="multiple" href="[^"]*" data-code="(\d{6})"', page)
    assert codes and all(code.startswith("13") for code in codes) and codes[0] == "130102"
    assert "天津" not in page
    xlsx = client.get(reverse("analytics:map"), {"indicator": "assisted_enterprises", "format": "xlsx"})
    ws = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    codes = [row[0] for row in ws.iter_rows(min_row=5, values_only=True) if row and row[0]]
    assert codes and all(str(code).startswith("13") for code in codes)
    assert ("130000", "合计", 1, "1家") in list(ws.iter_rows(values_only=True))


def test_a_district_starts_with_its_trends_and_has_no_map_tab(login):
    client = login(district_user("120113"))
    response = client.get(reverse("analytics:index"))
    assert response.status_code == 302 and response["Location"] == reverse("analytics:trends")
    page = client.get(reverse("analytics:trends")).content.decode()
    tabs = re.search(r'class="analytics-tabs"[^>]*>(.*?)</nav>', page, re.S).group(1)
    assert reverse("analytics:trends") in tabs and reverse("analytics:map") not in tabs
    hq = login(hq_user()).get(reverse("analytics:index"))
    assert hq["Location"] == reverse("analytics:map")


def test_the_dashboard_keeps_its_figures_when_the_map_cannot_be_drawn(data, login, monkeypatch):
    import reporting.maps

    def broken(*args, **kwargs):
        raise OSError("geometry unavailable")

    monkeypatch.setattr(reporting.maps, "china_map", broken)
    response = login(hq_user()).get(reverse("dashboard"))
    page = response.content.decode()
    assert response.status_code == 200 and 'data-testid="dashboard-bars"' in page
    assert 'data-testid="dashboard-map"' not in page


def test_trends_in_english(data, login):
    client = login(hq_user())
    client.cookies["django_language"] = "en"
    page = client.get(reverse("analytics:trends"), {"unit": "000000", "indicator": "assisted_enterprises"},
                      HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Trends · National" in page and f"{YEAR}: 4家" in page and f"up 100% on {LAST}" in page


def test_hq_drills_down_from_a_province_to_its_districts(data, login):
    client = login(hq_user())
    page = client.get(reverse("analytics:trends"), {"unit": "120000"}).content.decode()
    children = re.search(r'data-testid="trend-children">(.*?)</details>', page, re.S).group(1)
    assert "unit=120113" in children and "unit=130102" not in children
    district = client.get(reverse("analytics:trends"), {"unit": "120113", "indicator": "assisted_enterprises"})
    assert f"{YEAR}年：2家" in district.content.decode()


# --------------------------------------------------------------------------- one table per family


@pytest.fixture
def computed(monkeypatch):
    """The unit sets the catalogue computes figures for, in order."""
    from reporting import indicators

    calls: list[list[str]] = []
    real = indicators.compute

    def counting(keys, *, units, years):
        calls.append(sorted(u.code for u in units))
        return real(keys, units=units, years=years)

    monkeypatch.setattr(indicators, "compute", counting)
    return calls


def test_hq_dashboard_map_trends_and_small_multiples_share_one_table(data, login, computed):
    client = login(hq_user())
    dashboard = client.get(reverse("dashboard")).content.decode()
    family = ["000000", *sorted(u.code for u in _provinces())]
    # the country and its provincial units, every year, every indicator (beside the targets panel's own figures)
    assert computed.count(family) == 1
    before = list(computed)
    pages = [client.get(reverse("analytics:map"), {"indicator": "fee_reduction", "year": LAST}),
             client.get(reverse("analytics:map"), {"indicator": "trained_persons"}),
             client.get(reverse("analytics:trends"), {"indicator": "q_response_rate"}),
             client.get(reverse("analytics:trends"), {"unit": "120000"}),
             client.get(reverse("analytics:trends_units"), {"indicator": "fee_reduction"})]
    assert [p.status_code for p in pages] == [200] * 5
    assert computed == before  # sliced from the same table: nothing computed again
    as_of = {p.context["as_of"] for p in pages}
    assert len(as_of) == 1  # the same "统计时间" on every page
    assert "天津市：3家" in dashboard
    tianjin_fee = next(r for r in pages[0].context["rows"] if r["unit"].code == "120000")
    assert tianjin_fee["value"] == compute(["fee_reduction"], units=[unit("120000")], years=[LAST]).get(
        "fee_reduction", "120000", LAST)  # what the catalogue computes for the unit on its own


def test_a_province_reads_its_own_family_and_never_the_countrys(data, login, computed):
    client = login(province_user("120000"))
    client.get(reverse("dashboard"))
    before = list(computed)
    client.get(reverse("analytics:map"))
    client.get(reverse("analytics:trends"), {"unit": "120113"})
    client.get(reverse("analytics:trends_units"))
    assert computed == before  # the map and the trends slice the dashboard's table
    families = [codes for codes in computed if len(codes) > 1]
    assert len(families) == 1 and families[0][0] == "120000"
    assert all(code.startswith("12") for code in families[0])  # Tianjin and its districts only, never the
    assert not any("130000" in codes for codes in computed)  # country's family with other provinces in it


def test_a_district_seen_from_hq_is_computed_on_its_own(data, login, computed):
    page = login(hq_user()).get(reverse("analytics:trends"), {"unit": "120113"})
    assert page.status_code == 200 and computed == [["120113"]]


def test_the_rendered_panel_is_kept_per_language(data, login):
    client = login(hq_user())
    chinese = client.get(reverse("dashboard")).content.decode()
    client.cookies["django_language"] = "en"
    english = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client.cookies["django_language"] = "zh-hans"
    again = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "报送完整性" in chinese and "报送完整性" in again
    assert "报送完整性" not in english and 'data-testid="completeness"' in english
    assert english.count('data-testid="analytics-panel"') == 1
    assert chinese.count("analytics.css") == 1  # the stylesheet beside the kept HTML
