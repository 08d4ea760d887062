"""Write the pilots' annex-3 workbook (official layout, with roll-ups) and the annex-3 + annex-2 PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from programme.models import OrgUnit, OrgUnitLevel, PilotRegion
from programme.pilot_reports import annex3_workbook, collect_sheets, pilot_pdf


class Command(BaseCommand):
    help = "区域试点统计表（附件3，Excel 官方格式）及附件2/附件3 PDF：--year Y [--province CODE] --out DIR"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--province", default="", help="省级单位区划代码，如 120000；不填为全国")
        parser.add_argument("--out", required=True, help="输出目录")

    def handle(self, *args: Any, **options: Any) -> None:
        year, code = options["year"], options["province"].strip()
        pilots = PilotRegion.objects.active_in(year)
        if code:
            if not OrgUnit.objects.filter(code=code, level=OrgUnitLevel.PROVINCE).exists():
                raise CommandError(f"{code} 不是省级单位的区划代码。")
            pilots = pilots.filter(province__code=code)
        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        sheets = collect_sheets(pilots=pilots, year=year, province_rollups=True, national_rollup=not code)
        stem = f"pilot-annex3-{year}-{code or 'national'}"
        xlsx_path, pdf_path = out / f"{stem}.xlsx", out / f"pilot-report-{year}-{code or 'national'}.pdf"
        xlsx_path.write_bytes(annex3_workbook(sheets))
        pdf_path.write_bytes(pilot_pdf(sheets, year=year))
        pilot_count = sum(1 for s in sheets if s.pilot is not None)
        self.stdout.write(f"{pilot_count} pilots, {len(sheets)} sheets")
        self.stdout.write(str(xlsx_path))
        self.stdout.write(str(pdf_path))
