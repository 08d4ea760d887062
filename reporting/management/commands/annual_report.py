"""Draft a unit's annual report from the catalogue and write its DOCX and PDF into a folder.

    python manage.py annual_report --year 2023 --out /tmp/reports
    python manage.py annual_report --year 2023 --scope 330000 --out /tmp/reports   # a province's, for its districts

The same drafts as the portal's job (``reporting.annual.services.render``); nothing is stored in the database.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from programme.models import COUNTRY_CODE, OrgUnit, OrgUnitLevel, ProgrammeYear
from reporting.annual.services import render


class Command(BaseCommand):
    help = "Draft the annual report (工作总结) of the country or a province as DOCX and PDF."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--year", type=int, required=True, help="the programme year the report is on")
        parser.add_argument("--scope", default=COUNTRY_CODE,
                            help=f"the unit's code: {COUNTRY_CODE} (the country, default) or a provincial unit's")
        parser.add_argument("--out", required=True, help="the folder to write the files into (created if missing)")

    def handle(self, *args: Any, **options: Any) -> None:
        year, code = options["year"], str(options["scope"]).strip()
        if not ProgrammeYear.objects.filter(year=year).exists():
            raise CommandError(f"{year} is not a programme year")
        scope = OrgUnit.objects.filter(code=code).first()
        if scope is None or scope.level not in (OrgUnitLevel.COUNTRY, OrgUnitLevel.PROVINCE):
            raise CommandError(f"--scope {code}: not the country ({COUNTRY_CODE}) nor a provincial unit's code")
        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        rendered = render(year=year, scope=scope)
        base = out / f"{year}_annual_report_{scope.code}"
        for suffix, content in (("docx", rendered.docx), ("pdf", rendered.pdf)):
            path = base.with_suffix(f".{suffix}")
            path.write_bytes(content)
            self.stdout.write(f"{path}  {len(content) / 1024:.0f} KB")
        draft = rendered.draft
        self.stdout.write(f"{draft.title}: {sum(1 for _n in draft.numbers())} figures from the catalogue, "
                          f"{len(draft.placeholders())} places to write, {len(draft.pictures())} pictures, "
                          f"in {time.perf_counter() - started:.1f} s")
        for note in draft.notes:
            self.stdout.write(f"note: {note}")
