"""The catalogue's fast paths give the figures the plain definition gives.

Where the units one level below another unit are asked for too (the country with its provinces, a province with
its cities or districts), ``by_subtree`` adds the unit's additive figures up from the groups below it and queries only
the rest (the ledger's distinct certification bodies). Each figure here is checked against the definition worked out
in Python from the rows themselves, for unit sets where the shortcut applies, where it cannot, and mixed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enterprises.indicators import ledger_indicators, training_indicators
from enterprises.models import LedgerRecord, TrainingRecord
from programme.models import OrgUnit, OrgUnitLevel, PilotRegion
from reporting.indicators import compute, compute_period, ratio
from tests.factories import CertificationBodyFactory, EnterpriseFactory, unit
from tests.questionnaire.factories import assist, response

pytestmark = pytest.mark.django_db

YEARS = [2022, 2023, 2024]
LEDGER_KEYS = ["assisted_enterprises", "ledger_cbs", "ledger_records", "fee_reduced_enterprises", "fee_reduction",
               "problems_found", "problems_solved", "problems_solved_rate"]
TRAINING_KEYS = ["training_sessions", "trained_enterprises", "trained_persons"]
# Tianjin's districts sit directly under it; Hebei's under their cities (two depths of district).
DISTRICTS = ["120113", "120114", "130102", "130104", "130202"]


def _ledger(cb, enterprise, year, fee, found=0, solved=0):
    return LedgerRecord.objects.create(
        programme_year_id=year, certification_body=cb, enterprise=enterprise, start_date=dt.date(year, 7, 1),
        end_date=dt.date(year, 9, 1), reported_name=enterprise.name, reported_district=enterprise.district,
        reported_industry="industry", dimensions="quality_mgmt", modes="diagnosis", fee_reduction=Decimal(fee),
        problems_found=found, problems_solved=solved)


@pytest.fixture
def data():
    """Enterprises in five districts of Tianjin and Hebei; three CBs, two of them working in both provinces (so the
    country's distinct CBs are fewer than the provinces' added up); enterprises assisted by two CBs in a year, in
    several years, with and without a fee reduction; training in both provinces."""
    cbs = [CertificationBodyFactory() for _ in range(3)]
    enterprises = {code: [EnterpriseFactory(district_code=code) for _ in range(3)] for code in DISTRICTS}
    n = 0
    for code, group in enterprises.items():
        for i, enterprise in enumerate(group):
            for year in YEARS:
                if (i + year) % 3 == 0:
                    continue  # not assisted that year
                n += 1
                working = [cbs[n % 3]] + ([cbs[(n + 1) % 3]] if (n + i) % 2 == 0 else [])
                for j, cb in enumerate(working):
                    fee = "0" if (n + j) % 3 == 0 else f"{100 * (n + j)}.50"
                    _ledger(cb, enterprise, year, fee, found=(n + j) % 4, solved=(n + j) % 4 // 2)
            if code in ("120113", "130104"):
                TrainingRecord.objects.create(
                    programme_year_id=YEARS[i % 3], certification_body=cbs[i % 3], district=unit(code),
                    held_on=dt.date(YEARS[i % 3], 8, 1), organiser="o", topic=f"t{i}", delivery="offline",
                    enterprise_count=3 + i, person_count=10 * (i + 1))
    return cbs


def _rows_in(u: OrgUnit, years: Iterable[int]) -> list[LedgerRecord]:
    return [r for r in LedgerRecord.objects.select_related("enterprise__district")
            if r.enterprise.district.path.startswith(u.path) and r.programme_year_id in years]


def _ledger_by_definition(u: OrgUnit, years: Iterable[int]) -> dict[str, Any]:
    """The ledger figures of ``u``'s subtree over ``years`` together, from the rows themselves (None: no rows)."""
    rows = _rows_in(u, list(years))
    if not rows:
        return dict.fromkeys(LEDGER_KEYS)
    found, solved = sum(r.problems_found for r in rows), sum(r.problems_solved for r in rows)
    return {
        "assisted_enterprises": len({r.enterprise_id for r in rows}),
        "ledger_cbs": len({r.certification_body_id for r in rows}),
        "ledger_records": len(rows),
        "fee_reduced_enterprises": len({r.enterprise_id for r in rows if r.fee_reduction > 0}),
        "fee_reduction": sum((r.fee_reduction for r in rows), Decimal(0)),
        "problems_found": found,
        "problems_solved": solved,
        "problems_solved_rate": ratio(solved, found),
    }


def _training_by_definition(u: OrgUnit, year: int) -> dict[str, Any]:
    rows = [t for t in TrainingRecord.objects.select_related("district")
            if t.district.path.startswith(u.path) and t.programme_year_id == year]
    if not rows:
        return dict.fromkeys(TRAINING_KEYS)
    return {"training_sessions": len(rows), "trained_enterprises": sum(t.enterprise_count for t in rows),
            "trained_persons": sum(t.person_count for t in rows)}


def units(*codes: str) -> list[OrgUnit]:
    return [unit(c) for c in codes]


UNIT_SETS = {
    "country and every province": lambda: [unit("000000"), *OrgUnit.objects.filter(level=OrgUnitLevel.PROVINCE)],
    "country and two provinces": lambda: units("000000", "120000", "130000"),
    "a province and its districts": lambda: units("120000", "120113", "120114"),
    "a province, a city, districts at two depths": lambda: units("130000", "130100", "130102", "130202", "120113"),
    "country and districts (no shortcut)": lambda: units("000000", "120114", "130102"),
    "mixed levels": lambda: units("000000", "130000", "130100", "130104", "120000", "120113"),
    "districts only": lambda: units(*DISTRICTS),
}


@pytest.mark.parametrize("name", list(UNIT_SETS))
def test_each_year_as_defined(data, name):
    asked = UNIT_SETS[name]()
    table = compute(LEDGER_KEYS + TRAINING_KEYS, units=asked, years=YEARS)
    checked = 0
    for u in asked:
        for year in YEARS:
            expected = _ledger_by_definition(u, [year]) | _training_by_definition(u, year)
            got = {key: table.get(key, u.code, year) for key in expected}
            assert got == expected, (u.code, year)
            checked += sum(v is not None for v in got.values())
    assert checked > 0


@pytest.mark.parametrize("name", ["country and every province", "a province, a city, districts at two depths",
                                  "mixed levels"])
def test_over_the_period_as_defined(data, name):
    """``period=True``: an enterprise (a CB) assisted in two years counts once, in the country as in a province."""
    asked = UNIT_SETS[name]()
    period = compute_period(LEDGER_KEYS, units=asked, years=YEARS)
    counted = 0
    for u in asked:
        whole = _ledger_by_definition(u, YEARS)
        yearly = [_ledger_by_definition(u, [y]) for y in YEARS]
        expected = {key: whole[key] for key in ("assisted_enterprises", "ledger_cbs", "fee_reduced_enterprises")}
        for key in ("ledger_records", "fee_reduction", "problems_found", "problems_solved"):  # sums of the years
            present = [v[key] for v in yearly if v[key] is not None]
            expected[key] = sum(present[1:], present[0]) if present else None
        expected["problems_solved_rate"] = yearly[-1]["problems_solved_rate"]  # a rate: the last year's
        assert {key: period[key][u.code] for key in LEDGER_KEYS} == expected, u.code
        counted += whole["assisted_enterprises"] or 0
    assert counted > 0


def test_the_shortcut_is_taken_and_the_country_is_not_the_sum_of_its_provinces_cbs(data):
    """With the provinces asked for, the country's ledger costs one query that reads no unit path (its distinct CBs),
    and the training none at all; distinct CBs are not added up (two CBs work in both provinces)."""
    asked = [unit("000000"), *OrgUnit.objects.filter(level=OrgUnitLevel.PROVINCE)]
    with CaptureQueriesContext(connection) as ledger:
        values = ledger_indicators(asked, YEARS)
    assert len(ledger) == 2
    assert sum("programme_orgunit" not in q["sql"] for q in ledger.captured_queries) == 1
    with CaptureQueriesContext(connection) as training:
        training_indicators(asked, YEARS)
    assert len(training) == 1
    cbs = values["ledger_cbs"]
    assert cbs[("000000", 2023)] < cbs[("120000", 2023)] + cbs[("130000", 2023)]
    assert values["assisted_enterprises"][("000000", 2023)] == (values["assisted_enterprises"][("120000", 2023)]
                                                                + values["assisted_enterprises"][("130000", 2023)])


def test_a_unit_without_rows_has_no_data(data):
    table = compute(LEDGER_KEYS + TRAINING_KEYS, units=units("000000", "140000", "140105", "120000"), years=YEARS)
    assert all(table.get(key, code, year) is None for key in LEDGER_KEYS + TRAINING_KEYS
               for code in ("140000", "140105") for year in YEARS)
    assert table.get("assisted_enterprises", "000000", 2023) == table.get("assisted_enterprises", "120000", 2023) + \
        _ledger_by_definition(unit("130000"), [2023])["assisted_enterprises"]


# --------------------------------------------------------------------------- the pilots' "very obvious" rate


@pytest.fixture
def pilot_year():
    """2025: the Tianjin pilot (2024–, 北辰 120113; a second pilot spans 北辰 too) is active, the Hebei one (长安
    130102) ended in 2024. Respondents: 北辰 A 非常明显, B 明显; 武清 (no pilot) C, D 非常明显; 长安 E 非常明显;
    桥西 F 不明显. Not counted: G in 北辰 answered but was not assisted, H in 北辰 left a draft. 2024: E 非常明显 while
    the Hebei pilot was active."""
    tianjin = PilotRegion.objects.create(name="天津试点", industry="装备", province=unit("120000"), start_year=2024)
    tianjin.districts.add(unit("120113"))
    also = PilotRegion.objects.create(name="天津二期", industry="电子", province=unit("120000"), start_year=2025)
    also.districts.add(unit("120113"))
    hebei = PilotRegion.objects.create(name="河北试点", industry="纺织", province=unit("130000"), start_year=2023,
                                       end_year=2024)
    hebei.districts.add(unit("130102"))
    e = {k: EnterpriseFactory(district_code=code) for k, code in
         [("A", "120113"), ("B", "120113"), ("C", "120114"), ("D", "120114"), ("E", "130102"), ("F", "130104"),
          ("G", "120113"), ("H", "120113")]}
    for key in "ABCDEFH":
        assist(e[key], year=2025)
    for key, effect in (("A", 4), ("B", 3), ("C", 4), ("D", 4), ("E", 4), ("F", 1), ("G", 4)):
        response(e[key], year=2025, effect=effect)
    response(e["H"], year=2025, submitted=False, effect=4)
    assist(e["E"], year=2024)
    response(e["E"], year=2024, effect=4)
    return e


def test_the_pilots_very_obvious_rate(pilot_year):
    keys = ["q_effect_very_obvious_pilots", "q_effect_very_obvious"]
    t = compute(keys, units=units("000000", "120000", "130000", "120113"), years=[2024, 2025])
    assert t.get("q_effect_very_obvious_pilots", "120000", 2025) == pytest.approx(50.0)  # A of A, B (once each)
    assert t.get("q_effect_very_obvious_pilots", "000000", 2025) == pytest.approx(50.0)  # 长安's pilot has ended
    assert t.get("q_effect_very_obvious_pilots", "130000", 2025) is None  # no pilot active: no data
    assert t.get("q_effect_very_obvious_pilots", "130000", 2024) == pytest.approx(100.0)
    assert t.get("q_effect_very_obvious_pilots", "120000", 2024) is None  # nobody in 北辰 answered in 2024
    assert t.get("q_effect_very_obvious_pilots", "120113", 2025) is None  # a province's and the country's figure
    assert t.get("q_effect_very_obvious", "000000", 2025) == pytest.approx(400 / 6)  # A C D E of A–F
    only_provinces = compute(keys, units=units("120000", "130000"), years=[2025])
    assert only_provinces.get("q_effect_very_obvious_pilots", "120000", 2025) == pytest.approx(50.0)


def test_the_questionnaire_takes_the_assisted_enterprises_from_the_ledger_once(pilot_year):
    """The response rate's denominator is the catalogue's assisted enterprises: asked for together, the ledger counts
    them once for both; asked for alone, the questionnaire counts them itself — the same figures either way."""
    asked = units("000000", "120000", "130000", "120113", "130104")
    keys = ["q_response_rate", "q_submitted", "q_effect_very_obvious"]
    with CaptureQueriesContext(connection) as together_queries:
        together = compute([*keys, "assisted_enterprises", "ledger_cbs"], units=asked, years=[2024, 2025])
    alone = compute(keys, units=asked, years=[2024, 2025])
    assert {k: together.values[k] for k in keys} == alone.values
    assert alone.get("q_response_rate", "000000", 2025) == pytest.approx(600 / 7)  # A–F of A–F and H (G: no ledger)
    assert alone.get("q_submitted", "120000", 2025) == 4  # A B C D
    assert alone.get("q_response_rate", "120113", 2025) == pytest.approx(200 / 3)  # A B of A B H
    assert together.get("assisted_enterprises", "000000", 2025) == 7
    with CaptureQueriesContext(connection) as ledger_queries:
        compute(["assisted_enterprises", "ledger_cbs"], units=asked, years=[2024, 2025])

    def counting_assisted(queries: CaptureQueriesContext) -> int:
        return sum('COUNT(DISTINCT "enterprises_ledgerrecord"."enterprise_id")' in q["sql"]
                   for q in queries.captured_queries)

    assert counting_assisted(together_queries) == counting_assisted(ledger_queries) > 0  # none more for the rate
