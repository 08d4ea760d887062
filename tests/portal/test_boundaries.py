"""The boundaries between the apps (docs/architecture.md, "Boundaries"): the portal's dashboards, programme's unit
page and pilot comparison and the reference data get the feature apps' figures through hooks, not imports."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from portal import dashboard
from portal.seeding import import_app_modules, registered_reference_loaders
from programme import pilot_comparison as hook
from tests.factories import (
    CertificationBodyFactory,
    EnterpriseFactory,
    cb_user,
    enterprise_user,
    expert_user,
    hq_user,
    province_user,
)
from tests.questionnaire.factories import assist

pytestmark = pytest.mark.django_db


def tiles(html: str) -> list[tuple[str, str]]:
    return re.findall(r'data-count="(\w+)">([\d,]+)</span>', html)


def test_the_count_tiles_come_from_programme_and_enterprises_in_order(client, login):
    EnterpriseFactory.create_batch(2, district_code="120113")
    CertificationBodyFactory.create_batch(2)
    login(hq_user())
    page = client.get("/")
    html = page.content.decode()
    assert [key for key, _n in tiles(html)] == ["provinces", "districts", "cbs", "enterprises", "ledger"]
    assert page.context["counts"] == {"provinces": 32, "districts": page.context["counts"]["districts"],
                                      "certification_bodies": 2, "enterprises": 2, "ledger_records": 0}
    assert "认证机构" in html and "帮扶台账记录" in html and 'data-testid="calendar"' in html
    start = html.index('data-testid="counts"')
    after_tiles = html.index("</section>", start)
    row = html[start:html.find("<section", after_tiles)]  # the tiles and what follows them up to the next card
    assert row.count('data-testid="figures-as-of"') == 1  # one time under the tiles of both apps


def test_a_bureau_counts_the_cbs_active_in_its_area_and_a_cb_sees_no_unit_tiles(client, login):
    active = CertificationBodyFactory()
    CertificationBodyFactory.create_batch(3)  # in the registry, no ledger record in Tianjin
    assist(EnterpriseFactory(district_code="120113"), cb=active)
    assist(EnterpriseFactory(district_code="130102"))
    login(province_user("120000"))
    page = client.get("/")
    assert page.context["counts"]["certification_bodies"] == 1
    assert page.context["counts"]["ledger_records"] == 1
    assert "参与帮扶的认证机构" in page.content.decode()
    client.logout()
    login(cb_user(active))
    page = client.get("/")
    assert [key for key, _n in tiles(page.content.decode())] == ["cbs", "enterprises", "ledger"]
    assert page.context["counts"]["certification_bodies"] == 1 and "本机构" in page.content.decode()


@pytest.mark.parametrize("make_user", [expert_user, enterprise_user])
def test_dashboards_without_tiles_compute_no_counts(client, login, make_user):
    page = login(make_user()).get("/")
    assert page.status_code == 200 and page.context["counts"] == {} and page.context["count_tiles"] == []
    assert 'data-testid="calendar"' in page.content.decode()


def test_the_unit_page_gets_its_enterprise_count_from_the_enterprises_app(client, login):
    EnterpriseFactory.create_batch(3, district_code="120113")
    EnterpriseFactory(district_code="130102")
    login(hq_user())
    assert client.get("/units/120000/").context["enterprise_count"] == 3
    assert client.get("/units/000000/").context["enterprise_count"] == 4


def test_reference_loaders_run_in_order_from_each_app():
    import_app_modules("reference")
    names = [name for _order, name, _f in registered_reference_loaders()]
    assert names == ["programme.reference.divisions_loader", "enterprises.reference.size_thresholds_loader",
                     "programme.reference.programme_years_loader", "reporting.reference.national_targets_loader"]


def test_load_reference_data_reports_every_app(capsys):
    call_command("load_reference_data")
    out = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in out] == ["divisions", "size thresholds", "programme years",
                                                     "national targets 2025-2027"]


def test_the_pilot_comparison_without_a_source_says_so(monkeypatch):
    monkeypatch.setattr(hook, "_SOURCE", [])
    with pytest.raises(hook.QuestionnaireUnavailable):
        hook.pilot_comparison(user=hq_user(), year=2024)


def test_the_questionnaire_registers_the_pilot_comparison():
    from enterprises.questionnaire.pilot_comparison import pilot_comparison

    assert hook._SOURCE[0] is pilot_comparison


def test_a_panel_is_registered_once_and_slots_are_checked():
    before = len(dashboard._PANELS)
    from programme.dashboard import unit_counts_panel

    dashboard.dashboard_panel(slot="counts", order=10)(unit_counts_panel)
    assert len(dashboard._PANELS) == before
    with pytest.raises(ValueError, match="unknown dashboard slot"):
        dashboard.dashboard_panel(slot="sidebar")
