from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments import reports
from programme.models import COUNTRY_CODE, OrgUnit


class Command(BaseCommand):
    help = "Write the year's national (or, with --unit, provincial) summary figures as .xlsx and .pdf."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--unit", default=COUNTRY_CODE, help="000000 (national) or a province code")
        parser.add_argument("--out", required=True)

    def handle(self, *args: object, **options: object) -> None:
        scope = OrgUnit.objects.filter(code=str(options["unit"])).first()
        if scope is None:
            raise CommandError(f"unknown unit {options['unit']}")
        year = int(options["year"])  # type: ignore[call-overload]
        summary = reports.summary_data(year=year, scope=scope)
        out = Path(str(options["out"]))
        out.mkdir(parents=True, exist_ok=True)
        base = out / f"{year}_summary_{scope.code}"
        base.with_suffix(".xlsx").write_bytes(reports.summary_xlsx(summary))
        base.with_suffix(".pdf").write_bytes(reports.summary_pdf(summary))
        self.stdout.write(summary.paragraph)
        if summary.missing:
            self.stdout.write("missing data: " + ", ".join(summary.missing))
        self.stdout.write(f"wrote {base}.xlsx and {base}.pdf")
