"""The dashboards' analytics panel: for the current programme year, each sub-unit's progress on the key indicators as
sorted bar charts, the completeness table (who has submitted what, on time or late — DHIS2's reporting rate) and, on
HQ's dashboard, the China map of one key indicator.

HQ's sub-units are its 32 provincial units, a province's its districts; a district's panel shows its own figures and
its certification bodies' share of them. Every figure is the catalogue's: a country's or province's panel slices its
family's table (``scope.family_figures``, which the map and the trends read too), a district's reads its own. The
rendered panel is kept for ``FIGURES_CACHE_SECONDS`` per unit, year and language (only unit staff who may see the unit
get it) and refreshed by the worker, so the dashboard's server time stays small.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django.http import Http404, HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _

from assessments.models import SelfAssessment
from enterprises.questionnaire.models import QuestionnaireVersion
from portal.figures import cached_figures, recompute, refreshable
from programme.models import CertificationBody, OrgUnit, OrgUnitLevel
from reporting.charts import BarRow, bar_chart
from reporting.indicators import Indicator, Table, compute_by_body, figures, indicator
from reporting.numbers import format_value

from . import links
from .scope import COUNTRY, current_year, family_figures, home_unit, is_staff, sub_units

if TYPE_CHECKING:
    from portal.models import User

logger = logging.getLogger(__name__)

# Pilot filings are charted as the filing rate: a unit without an active pilot has nothing to file ("—"), not 0.
CHART_KEYS = ("assisted_enterprises", "fee_reduction", "trained_persons", "q_response_rate", "pilot_filing_rate")
COMPLETENESS_KEYS = ("sa_submitted", "sa_on_time_rate", "q_response_rate", "ledger_records", "training_sessions",
                     "pilot_filings", "pilot_regions")
PANEL_KEYS = tuple(dict.fromkeys((*CHART_KEYS, *COMPLETENESS_KEYS)))
MAP_KEY = "assisted_enterprises"
RATE_UNIT = "%"

ON_TIME, LATE, NOT_YET = "on_time", "late", "not_yet"


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    svg: SafeString


@dataclass
class CompletenessRow:
    unit: OrgUnit | None  # None: the total row
    label: str
    url: str
    self_assessment: str  # ON_TIME, LATE, NOT_YET ("" on the total row)
    self_assessment_label: str
    self_assessment_url: str
    response_rate: str
    response_url: str
    ledger: str
    ledger_present: bool
    ledger_url: str
    training: str
    training_present: bool
    training_url: str
    pilots: str
    pilots_complete: bool | None  # None: no pilot in the unit
    pilots_url: str


@dataclass
class Panel:
    unit: OrgUnit
    year: int
    as_of: datetime
    charts: list[Chart] = field(default_factory=list)
    rows: list[CompletenessRow] = field(default_factory=list)
    total: CompletenessRow | None = None
    status_counts: dict[str, int] = field(default_factory=dict)
    map_svg: SafeString | None = None
    map_url: str = ""
    own: list[dict[str, str]] = field(default_factory=list)  # a district: its own figures with their change
    by_cb: list[Chart] = field(default_factory=list)  # a district: its certification bodies' share
    status_chart: Chart | None = None  # the self-assessments on time / late / not yet
    cb_rows: list[dict[str, Any]] = field(default_factory=list)  # a district: what each CB has recorded
    cb_total: dict[str, Any] = field(default_factory=dict)


def _ind(key: str) -> Indicator:
    found = indicator(key)
    if found is None:  # the catalogue's definitions are registered by the apps' AppConfig.ready
        raise LookupError(f"indicator {key!r} is not in the catalogue")
    return found


def _sa_status(table: Table, code: str, year: int) -> str:
    if not table.get("sa_submitted", code, year):
        return NOT_YET
    rate = table.get("sa_on_time_rate", code, year)
    return ON_TIME if rate is not None and float(rate) >= 100 else LATE


def status_labels() -> dict[str, str]:
    return {ON_TIME: _("按时提交"), LATE: _("逾期提交"), NOT_YET: _("未提交")}


def _reference(ind: Indicator, table: Table, home: OrgUnit, subs: Sequence[OrgUnit], year: int
               ) -> tuple[Any, str]:
    """The line the bars are read against: the home unit's own rate for a percentage ("全国 63.0%"), the
    sub-units' average for a count or an amount."""
    if ind.unit == RATE_UNIT:
        value = table.get(ind.key, home.code, year)
        if value is None:
            return None, ""
        name = _("全国") if home.code == COUNTRY else home.name
        return value, f"{name} {ind.format(value)}"
    present = [table.get(ind.key, u.code, year) for u in subs]
    numbers = [Decimal(str(v)) for v in present if v is not None]
    if not numbers:
        return None, ""
    mean = sum(numbers, Decimal(0)) / len(numbers)
    return mean, _("平均 %(value)s") % {"value": ind.format(mean)}


def _pilot_text(table: Table, code: str, year: int) -> tuple[str, bool | None]:
    active = table.get("pilot_regions", code, year)
    filed = table.get("pilot_filings", code, year)
    if not active:
        return "—", None
    return f"{filed or 0}/{active}", (filed or 0) >= active


def build_panel(unit: OrgUnit, year: int) -> Panel:
    """The panel of ``unit`` (the user's own; the caller has checked) for ``year``."""
    subs = sub_units(unit)
    if not subs:
        return _district_panel(unit, year)
    timed = (family_figures(unit, subs) if year == current_year()
             else figures(PANEL_KEYS, units=[unit, *subs], years=[year]))
    table = timed.value
    has_questionnaire = QuestionnaireVersion.objects.filter(programme_year_id=year).exists()
    sa_pks = dict(SelfAssessment.objects.filter(programme_year_id=year, unit__in=subs)
                  .values_list("unit__code", "pk"))
    panel = Panel(unit=unit, year=year, as_of=timed.as_of)
    for key in CHART_KEYS:
        ind = _ind(key)
        rows = [BarRow(u.name, table.get(key, u.code, year), ind.format(table.get(key, u.code, year)),
                       links.records(key, u, year, has_questionnaire=has_questionnaire)) for u in subs]
        reference, reference_label = _reference(ind, table, unit, subs, year)
        panel.charts.append(Chart(key, str(ind.name), bar_chart(
            rows, better=str(ind.better), reference=reference, reference_label=reference_label)))
    labels = status_labels()
    counts = {ON_TIME: 0, LATE: 0, NOT_YET: 0}
    with_ledger = with_training = 0
    for u in subs:
        status = _sa_status(table, u.code, year)
        counts[status] += 1
        records = table.get("ledger_records", u.code, year)
        sessions = table.get("training_sessions", u.code, year)
        with_ledger += bool(records)
        with_training += bool(sessions)
        pilots, complete = _pilot_text(table, u.code, year)
        panel.rows.append(CompletenessRow(
            unit=u, label=u.name, url=links.unit_page(u), self_assessment=status,
            self_assessment_label=labels[status],
            self_assessment_url=links.self_assessment(u, year, sa_pks.get(u.code)),
            response_rate=_ind("q_response_rate").format(table.get("q_response_rate", u.code, year)),
            response_url=links.questionnaire(u, year, has_version=has_questionnaire),
            ledger=_ind("ledger_records").format(records), ledger_present=bool(records),
            ledger_url=links.ledger_list(u, year),
            training=_ind("training_sessions").format(sessions), training_present=bool(sessions),
            training_url=links.training_list(u, year),
            pilots=pilots, pilots_complete=complete, pilots_url=links.pilots(u, year),
        ))
    n = len(subs)
    pilots, complete = _pilot_text(table, unit.code, year)
    panel.total = CompletenessRow(
        unit=None, label=_("合计"), url=links.unit_page(unit), self_assessment="",
        self_assessment_label=_("按时%(on_time)s · 逾期%(late)s · 未交%(not_yet)s") % counts,
        self_assessment_url=links.self_assessment(unit, year, None),
        response_rate=_ind("q_response_rate").format(table.get("q_response_rate", unit.code, year)),
        response_url=links.questionnaire(unit, year, has_version=has_questionnaire),
        ledger=f"{with_ledger}/{n}", ledger_present=with_ledger == n, ledger_url=links.ledger_list(unit, year),
        training=f"{with_training}/{n}", training_present=with_training == n,
        training_url=links.training_list(unit, year),
        pilots=pilots, pilots_complete=complete, pilots_url=links.pilots(unit, year),
    )
    panel.status_counts = counts
    status_rows = [BarRow(labels[s], counts[s], format_value(counts[s], "个"), links.self_assessment(unit, year, None))
                   for s in (ON_TIME, LATE, NOT_YET)]
    panel.status_chart = Chart("sa_status", _("自评材料提交情况"), bar_chart(status_rows, sort=False, width=460))
    if unit.level in (OrgUnitLevel.COUNTRY, OrgUnitLevel.PROVINCE):
        try:
            panel.map_svg, panel.map_url = _map(unit, table, subs, year)
        except Exception:  # the dashboard shows its figures without the map rather than fail (the map page says)
            logger.exception("dashboard map of %s could not be drawn", unit.code)
    return panel


def _map(unit: OrgUnit, table: Table, subs: Sequence[OrgUnit], year: int) -> tuple[SafeString, str]:
    """The dashboard's map and the map page it links to."""
    return map_svg(unit, table, subs, year), f"{reverse('analytics:map')}?indicator={MAP_KEY}&year={year}"


def map_svg(unit: OrgUnit, table: Table, subs: Sequence[OrgUnit], year: int, *, links: bool = True) -> SafeString:
    """The map of the key indicator ``MAP_KEY`` (``table`` holds it for ``subs`` in ``year``): China by provincial
    unit for the country, the province by district for a province. Each area links to its trends unless ``links``
    is off (a picture in a document). The dashboard's card and the annual report draw it."""
    from reporting.maps import MapArea, china_map, province_map

    ind = _ind(MAP_KEY)
    trends = reverse("analytics:trends") if links else ""
    areas = [MapArea(u.code, u.name, _float(table.get(MAP_KEY, u.code, year)),
                     ind.format(table.get(MAP_KEY, u.code, year)),
                     f"{trends}?indicator={MAP_KEY}&unit={u.code}" if links else "") for u in subs]
    title = _("%(year)s年%(name)s") % {"year": year, "name": ind.name}
    if unit.level == OrgUnitLevel.COUNTRY:
        return china_map(areas, title=title, legend_title=ind.label, fmt=ind.format, no_data_label=_("无数据"),
                         better=map_better(ind), width=600)
    return province_map(unit.code, areas, title=title, legend_title=ind.label, fmt=ind.format,
                        no_data_label=_("无数据"), better=map_better(ind), width=520)


def map_better(ind: Indicator) -> str:
    return "down" if ind.better == "down" else "up"


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _district_panel(unit: OrgUnit, year: int) -> Panel:
    """A district: its own key figures this year (with the change on last year) and its certification bodies'
    share of the assisted enterprises, fee reductions and training person-times."""
    keys = (*CHART_KEYS, "sa_submitted", "sa_on_time_rate", "ledger_records", "training_sessions", "q_submitted")
    timed = figures(keys, units=[unit], years=[year - 1, year])
    table = timed.value
    panel = Panel(unit=unit, year=year, as_of=timed.as_of)
    has_questionnaire = QuestionnaireVersion.objects.filter(programme_year_id=year).exists()
    for key in CHART_KEYS:
        ind = _ind(key)
        cur, prev = table.get(key, unit.code, year), table.get(key, unit.code, year - 1)
        panel.own.append({"label": str(ind.name), "value": ind.format(cur),
                          "change": ind.change(cur, prev, previous_year=year - 1),
                          "url": links.records(key, unit, year, has_questionnaire=has_questionnaire)})
    status = _sa_status(table, unit.code, year)
    sa_pk = SelfAssessment.objects.filter(programme_year_id=year, unit=unit).values_list("pk", flat=True).first()
    panel.own.append({"label": _("自评材料"), "value": status_labels()[status], "change": "",
                      "url": links.self_assessment(unit, year, sa_pk)})
    bodies = _bodies(unit, year)
    panel.by_cb = _by_cb(unit, year, bodies)
    panel.cb_rows = _cb_completeness(unit, year, has_questionnaire=has_questionnaire, bodies=bodies)
    panel.cb_total = {
        "enterprises": _ind("assisted_enterprises").format(table.get("assisted_enterprises", unit.code, year)),
        "submitted": _ind("q_submitted").format(table.get("q_submitted", unit.code, year)),
        "rate": _ind("q_response_rate").format(table.get("q_response_rate", unit.code, year)),
        "records": _ind("ledger_records").format(table.get("ledger_records", unit.code, year)),
        "sessions": _ind("training_sessions").format(table.get("training_sessions", unit.code, year)),
    }
    return panel


def _bodies(unit: OrgUnit, year: int) -> tuple[dict[str, dict[Any, Any]], dict[int, tuple[str, str]]]:
    """The catalogue's figures per certification body within the district (``compute_by_body``: the same
    aggregates as the district's own figures), and each body's approval number and name."""
    values = compute_by_body(BODY_KEYS, unit=unit, years=[year])
    ids = {body for per_body in values.values() for body, _y in per_body}
    names = {pk: (approval, name) for pk, approval, name in CertificationBody.objects.filter(pk__in=ids).values_list(
        "pk", "approval_number", "name")}
    return values, names


BODY_KEYS = ["assisted_enterprises", "ledger_records", "fee_reduction", "training_sessions", "trained_persons",
             "q_submitted", "q_response_rate"]


def _cb_completeness(unit: OrgUnit, year: int, *, has_questionnaire: bool,
                     bodies: tuple[dict[str, dict[Any, Any]], dict[int, tuple[str, str]]]) -> list[dict[str, Any]]:
    """Per certification body working in the district this year: the enterprises it assisted, how many of them
    have submitted the questionnaire, its ledger records and training sessions (the district's own figures, from
    the catalogue, are the total row)."""
    values, names = bodies

    def get(key: str, body: int) -> Any:
        return values.get(key, {}).get((body, year))

    present = {b for b, _y in values.get("ledger_records", {})} | {b for b, _y in values.get("training_sessions", {})}
    assisted, records, trained = _ind("assisted_enterprises"), _ind("ledger_records"), _ind("training_sessions")
    rate, submitted = _ind("q_response_rate"), _ind("q_submitted")
    rows = []
    for body in sorted(present, key=lambda b: -(get("assisted_enterprises", b) or 0)):
        approval, name = names.get(body, ("", ""))
        n = get("assisted_enterprises", body)
        rows.append({
            "name": name, "approval": approval,
            "enterprises": assisted.format(n), "submitted": submitted.format(get("q_submitted", body)),
            "rate": rate.format(get("q_response_rate", body)),
            "records": records.format(get("ledger_records", body)),
            "has_records": get("ledger_records", body) is not None,
            "sessions": trained.format(get("training_sessions", body)),
            "has_sessions": get("training_sessions", body) is not None,
            "ledger_url": f"{links.ledger_list(unit, year)}&cb={approval}",
            "questionnaire_url": links.questionnaire(unit, year, has_version=has_questionnaire),
            "training_url": links.training_list(unit, year),
        })
    return rows


def _by_cb(unit: OrgUnit, year: int,
           bodies: tuple[dict[str, dict[Any, Any]], dict[int, tuple[str, str]]]) -> list[Chart]:
    """The district's figures of ``year`` per certification body, from the catalogue's breakdown."""
    values, names = bodies
    base = reverse("enterprises:ledger_list")
    train_base = reverse("enterprises:training_list")
    charts = []
    for key, chart_key, title, url in (
            ("assisted_enterprises", "cb_assisted", _("各认证机构帮扶企业"), base),
            ("fee_reduction", "cb_fee", _("各认证机构减免认证费用"), base),
            ("trained_persons", "cb_trained", _("各认证机构培训人次"), train_base)):
        per_body = {b: v for (b, y), v in values.get(key, {}).items() if y == year}
        if not per_body:
            continue
        ind = _ind(key)
        charts.append(Chart(chart_key, title, bar_chart([
            BarRow(names.get(b, ("", ""))[1], v, ind.format(v),
                   f"{url}?year={year}&district={unit.code}" + (
                       f"&cb={names.get(b, ('', ''))[0]}" if url == base else ""))
            for b, v in per_body.items()])))
    return charts


@refreshable
def _panel_of(code: str, year: int, language: str) -> SafeString:
    """The panel rendered to HTML: kept so, as its table of 32 units is most of a dashboard's rendering."""
    with override(language):
        panel = build_panel(OrgUnit.objects.get(code=code), year)
        html = render_to_string("reporting/analytics/_dashboard_panel_body.html", {"panel": {
            "title": _("数据分析"), "panel": panel, "year": year,
            "map_page": reverse("analytics:map"), "trends_page": reverse("analytics:trends")}})
    return mark_safe(html)  # noqa: S308 - our own template's output


def analytics_panel(request: HttpRequest) -> dict[str, Any] | None:
    """The dashboard card of HQ, provincial and district staff."""
    user = cast("User", request.user)
    if not is_staff(user):
        return None
    try:
        unit = home_unit(user)
    except (Http404, OrgUnit.DoesNotExist):  # an account without a unit sees no panel rather than an error
        return None
    year = current_year()
    # The rendered panel depends only on the unit, the year and the language (its links and labels), never on
    # who asks beyond that: the unit is the user's own. A district's too is kept for the minute (its panel is the
    # dashboard's largest cost, its time is shown); its count tiles and lists stay live.
    language = get_language()
    html = cached_figures("analytics:dashboard", unit.code, year, language,
                          compute=recompute(_panel_of, unit.code, year, language)).value
    return {"template": "reporting/analytics/_dashboard_panel.html", "html": html}
