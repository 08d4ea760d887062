"""The analytics pages: the map of an indicator, its trend since 2020 (one unit, or small multiples of all
sub-units), all indicators of a unit over the years, and the catalogue itself. HQ, provincial and district staff;
a unit outside the user's scope is a 404, an indicator or year the page cannot show is said so on the page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portal.http import AuthenticatedHttpRequest
from programme.models import OrgUnit, OrgUnitLevel
from reporting.charts import line_chart
from reporting.indicators import (
    Aggregation,
    Better,
    Indicator,
    Level,
    OverYears,
    Source,
    Table,
    catalogue,
    figures,
)
from reporting.xlsx import new_workbook, workbook_bytes, write_table

from .dashboard import map_better
from .scope import (
    COUNTRY,
    applicable,
    family_figures,
    find_indicator,
    home_unit,
    parse_year,
    programme_years,
    require_staff,
    sub_units,
    unit_for,
)

DEFAULT_INDICATOR = "assisted_enterprises"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(filename: str, sheet: str, headers: Sequence[str], rows: Sequence[Sequence[Any]],
          above: Sequence[Sequence[Any]] = ()) -> HttpResponse:
    wb = new_workbook()
    ws: Any = wb.create_sheet(sheet[:31])
    write_table(ws, list(headers), rows, above=above)
    response = HttpResponse(workbook_bytes(wb), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _level_label(level: str) -> str:
    return str(Level(level).label) if level in Level.values else level


def _sorted_by_value(rows: list[dict[str, Any]], ind: Indicator) -> list[dict[str, Any]]:
    present = [r for r in rows if r["value"] is not None]
    missing = [r for r in rows if r["value"] is None]
    present.sort(key=lambda r: float(r["value"]), reverse=ind.better != Better.DOWN)
    return present + missing


def _nav(active: str, user: Any) -> list[dict[str, Any]]:
    """The room's tabs; a district has no sub-areas, so no map and no small multiples (the pages still answer
    with a message when asked)."""
    items = [("map", _("地图"), reverse("analytics:map")), ("trends", _("趋势"), reverse("analytics:trends")),
             ("units", _("各单位趋势"), reverse("analytics:trends_units")),
             ("catalogue", _("指标目录"), reverse("analytics:catalogue"))]
    if home_unit(user).level == OrgUnitLevel.DISTRICT:
        items = [item for item in items if item[0] not in ("map", "units") or item[0] == active]
    return [{"key": k, "label": label, "url": url, "active": k == active} for k, label, url in items]


@login_required
@require_GET
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_staff(request.user)
    # A district has no sub-areas to map: its analytics start with its own trends.
    return redirect("analytics:map" if sub_units(home_unit(request.user)) else "analytics:trends")


# --------------------------------------------------------------------------- map


@login_required
@require_GET
def map_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """HQ: China by provincial unit; a province: its districts; a district has no sub-areas to map and is told so
    (its own figures are on the trends page)."""
    user = request.user
    require_staff(user)
    home = home_unit(user)
    years = programme_years()
    year, year_ok = parse_year(request.GET.get("year"), years)
    messages: list[str] = []
    if not year_ok:
        messages.append(_("“%(year)s”不是提升行动年度（%(first)s—%(last)s年），显示%(shown)s年。") % {
            "year": request.GET.get("year"), "first": years[0], "last": years[-1], "shown": year})
    subs = sub_units(home)
    level = subs[0].level if subs else home.level
    choices = applicable(level)
    ind = find_indicator(request.GET.get("indicator"), DEFAULT_INDICATOR)
    context: dict[str, Any] = {"home": home, "years": years, "year": year, "choices": choices, "indicator": ind,
                               "tabs": _nav("map", user), "messages_": messages, "svg": None, "rows": []}
    if not subs:
        messages.append(_("区县级单位没有下级区域可绘制地图；本单位各年的数据见“趋势”。"))
        return render(request, "reporting/analytics/map.html", context)
    if ind is None:
        messages.append(_("没有指标“%(key)s”，请从列表中选择。") % {"key": request.GET.get("indicator", "")})
        return render(request, "reporting/analytics/map.html", context)
    if not ind.applies_to(level):
        messages.append(_("指标“%(name)s”不适用于%(level)s单位，请另选指标。") % {
            "name": ind.name, "level": _level_label(level)})
        return render(request, "reporting/analytics/map.html", context)
    timed = family_figures(home, subs)
    table = timed.value
    rows: list[dict[str, Any]] = [
        {"unit": u, "value": table.get(ind.key, u.code, year), "text": ind.format(table.get(ind.key, u.code, year)),
         "url": f"{reverse('analytics:trends')}?indicator={ind.key}&unit={u.code}"} for u in subs]
    order = request.GET.get("order", "value")
    ordered = _sorted_by_value(rows, ind) if order != "name" else rows
    total = table.get(ind.key, home.code, year)
    title = _("%(year)s年%(name)s") % {"year": year, "name": ind.name}
    if all(r["value"] is None for r in rows):
        messages.append(_("%(year)s年还没有“%(name)s”的数据。") % {"year": year, "name": ind.name})
    if request.GET.get("format") == "xlsx":
        name_col = _("省级单位") if home.level == OrgUnitLevel.COUNTRY else _("区县")
        return _xlsx(f"map-{ind.key}-{home.code}-{year}.xlsx", str(ind.label), [
            _("区划代码"), name_col, f"{ind.name}（{ind.unit}）", _("显示值")],
            [(r["unit"].code, r["unit"].name, _number(r["value"]), r["text"]) for r in ordered]
            + [(home.code, _("合计") if home.code != COUNTRY else _("全国"), _number(total), ind.format(total))],
            above=[(title,), (_("统计时间 %(time)s") % {"time": timezone.localtime(timed.as_of).strftime(
                "%Y-%m-%d %H:%M")},)])
    from reporting.maps import MapArea, china_map, province_map

    areas = [MapArea(r["unit"].code, r["unit"].name, _float(r["value"]), r["text"], r["url"]) for r in rows]
    if home.level == OrgUnitLevel.COUNTRY:
        svg = china_map(areas, title=title, legend_title=ind.label, fmt=ind.format, no_data_label=_("无数据"),
                        better=map_better(ind))
    else:
        province = home if home.level == OrgUnitLevel.PROVINCE else OrgUnit.objects.get(code=home.province_code)
        svg = province_map(province.code, areas, title=title, legend_title=ind.label, fmt=ind.format,
                           no_data_label=_("无数据"), better=map_better(ind))
    query = request.GET.copy()
    query["format"] = "xlsx"
    context.update({"svg": svg, "rows": ordered, "order": order, "total": ind.format(total), "title": title,
                    "as_of": timed.as_of, "xlsx_url": f"?{query.urlencode()}"})
    return render(request, "reporting/analytics/map.html", context)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _number(value: Any) -> Any:
    """A figure as a spreadsheet number (money stays exact), None for no data."""
    return None if value is None else value


# --------------------------------------------------------------------------- trends


def _unit_choices(home: OrgUnit) -> list[OrgUnit]:
    return [home, *sub_units(home)]


@login_required
@require_GET
def trends(request: AuthenticatedHttpRequest) -> HttpResponse:
    """One indicator over the programme years for one unit, with the change on last year, and the table of every
    indicator × year of that unit (XLSX with ``format=xlsx``)."""
    user = request.user
    require_staff(user)
    unit = unit_for(user, request.GET.get("unit"))
    years = programme_years()
    home = home_unit(user)
    ind = find_indicator(request.GET.get("indicator"), DEFAULT_INDICATOR)
    messages: list[str] = []
    all_inds = applicable(unit.level)
    # The user's own unit and its sub-units read the home family's table (the one the dashboard and the map read);
    # a unit further down (a district seen from HQ) its own family's, or its figures on their own.
    home_subs = sub_units(home)
    if unit.code == home.code or unit.code in {u.code for u in home_subs}:
        timed = family_figures(home, home_subs)
    elif sub_units(unit):
        timed = family_figures(unit)
    else:
        timed = figures([i.key for i in all_inds], units=[unit], years=years)
    table = timed.value
    this_year, last_year = years[-1], years[-2] if len(years) > 1 else None
    name = _("全国") if unit.code == COUNTRY else unit.name  # the country's name in the page's language
    table_rows = [_trend_row(i, table, unit.code, years) for i in all_inds]
    if request.GET.get("format") == "xlsx":
        headers = [_("指标"), _("单位"), *[_("%(year)s年") % {"year": y} for y in years], _("比上年")]
        return _xlsx(f"trends-{unit.code}.xlsx", name, headers, [
            (str(r["indicator"].name), r["indicator"].unit, *[_number(v) for v in r["values"]], r["change"])
            for r in table_rows],
            above=[(_("%(unit)s 各指标%(first)s—%(last)s年") % {
                "unit": name if unit.code == COUNTRY else unit.full_name, "first": years[0], "last": years[-1]},),
                   (_("统计时间 %(time)s") % {"time": timezone.localtime(timed.as_of).strftime("%Y-%m-%d %H:%M")},)])
    chart = None
    change = ""
    current = None
    if ind is None:
        messages.append(_("没有指标“%(key)s”，请从列表中选择。") % {"key": request.GET.get("indicator", "")})
    elif not ind.applies_to(unit.level):
        messages.append(_("指标“%(name)s”不适用于%(level)s单位，请另选指标。") % {
            "name": ind.name, "level": _level_label(unit.level)})
    else:
        series = table.series(ind.key, unit.code, years)
        current = ind.format(series[-1])
        if last_year is not None:
            change = ind.change(series[-1], series[-2], previous_year=last_year)
        chart = line_chart(years, series, fmt=ind.format, size="large",
                           title=_("%(unit)s · %(name)s") % {"unit": name, "name": ind.name})
        if all(v is None for v in series):
            messages.append(_("%(unit)s还没有“%(name)s”的数据。") % {"unit": name, "name": ind.name})
    query = request.GET.copy()
    query["format"] = "xlsx"
    return render(request, "reporting/analytics/trends.html", {
        "unit": unit, "unit_name": name, "home": home, "units": _unit_choices(home),
        "children": sub_units(unit) if unit.code != home.code else [], "years": years, "indicator": ind,
        "choices": all_inds, "chart": chart, "change": change, "current": current, "this_year": this_year,
        "table_rows": table_rows, "as_of": timed.as_of, "messages_": messages, "tabs": _nav("trends", user),
        "xlsx_url": f"?{query.urlencode()}",
    })


def _trend_row(ind: Indicator, table: Table, code: str, years: list[int]) -> dict[str, Any]:
    values = table.series(ind.key, code, years)
    change = ind.change(values[-1], values[-2], previous_year=years[-2]) if len(years) > 1 else ""
    return {"indicator": ind, "values": values, "texts": [ind.format(v) for v in values], "change": change}


@login_required
@require_GET
def trends_units(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Small multiples: the indicator over the years for every sub-unit of the user's scope, sorted by the current
    year's value (best first), each with its change on last year."""
    user = request.user
    require_staff(user)
    home = home_unit(user)
    years = programme_years()
    subs = sub_units(home)
    level = subs[0].level if subs else home.level
    choices = applicable(level)
    ind = find_indicator(request.GET.get("indicator"), DEFAULT_INDICATOR)
    messages: list[str] = []
    cards: list[dict[str, Any]] = []
    as_of = None
    if not subs:
        messages.append(_("区县级单位没有下级单位；本单位各年的数据见“趋势”。"))
    elif ind is None:
        messages.append(_("没有指标“%(key)s”，请从列表中选择。") % {"key": request.GET.get("indicator", "")})
    elif not ind.applies_to(level):
        messages.append(_("指标“%(name)s”不适用于%(level)s单位，请另选指标。") % {
            "name": ind.name, "level": _level_label(level)})
    else:
        timed = family_figures(home, subs)
        as_of = timed.as_of
        for u in subs:
            series = timed.value.series(ind.key, u.code, years)
            cards.append({
                "unit": u, "value": series[-1], "text": ind.format(series[-1]),
                "change": ind.change(series[-1], series[-2], previous_year=years[-2]) if len(years) > 1 else "",
                "svg": line_chart(years, series, fmt=ind.format, size="small", title=u.name),
                "url": f"{reverse('analytics:trends')}?indicator={ind.key}&unit={u.code}",
            })
        cards = _sorted_by_value(cards, ind)
    return render(request, "reporting/analytics/trends_units.html", {
        "home": home, "indicator": ind, "choices": choices, "cards": cards, "years": years, "as_of": as_of,
        "messages_": messages, "tabs": _nav("units", user),
    })


# --------------------------------------------------------------------------- catalogue


def catalogue_rows() -> list[dict[str, Any]]:
    """Every indicator with its definition in the active language."""
    return [{
        "key": ind.key, "name": str(ind.name), "short_name": str(ind.short_name or ""), "unit": ind.unit,
        "source": ind.source, "source_label": str(Source(ind.source).label), "formula": str(ind.formula),
        "aggregation": ind.aggregation, "aggregation_label": str(Aggregation(ind.aggregation).label),
        "over_years": str(ind.period_rule), "over_years_label": str(OverYears(ind.period_rule).label),
        "better": ind.better, "better_label": str(Better(ind.better).label),
        "levels": [lv for lv in Level.values if ind.applies_to(lv)],
        "levels_label": _("、").join(str(Level(lv).label) for lv in Level.values if ind.applies_to(lv)),
    } for ind in catalogue()]


@login_required
@require_GET
def catalogue_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_staff(request.user)
    return render(request, "reporting/analytics/catalogue.html", {
        "rows": catalogue_rows(), "tabs": _nav("catalogue", request.user)})
