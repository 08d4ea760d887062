from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments import reports
from assessments.models import Evaluation
from assessments.services import evaluation_compute, evaluation_ensure
from programme.models import COUNTRY_CODE, OrgUnit


class Command(BaseCommand):
    help = "Compute an annex-1 evaluation and write its score sheet (.xlsx) and ranked report (.pdf)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--level", choices=["province", "district"], default="province",
                            help="province: HQ ranks the provincial units; district: --unit's districts")
        parser.add_argument("--unit", default="", help="the evaluating province's code (with --level district)")
        parser.add_argument("--out", required=True)
        parser.add_argument("--no-compute", action="store_true", help="use the stored results as they are")

    def handle(self, *args: object, **options: object) -> None:
        year = int(options["year"])  # type: ignore[call-overload]
        if options["level"] == "province":
            evaluator_code = COUNTRY_CODE
        else:
            evaluator_code = str(options["unit"] or "")
            if not evaluator_code:
                raise CommandError("--level district needs --unit <province code>")
        evaluator = OrgUnit.objects.filter(code=evaluator_code).first()
        if evaluator is None:
            raise CommandError(f"unknown unit {evaluator_code}")
        evaluation = Evaluation.objects.filter(programme_year_id=year, evaluator=evaluator).first()
        if evaluation is None:
            evaluation = evaluation_ensure(actor=None, year=year, evaluator=evaluator, source="seed")
        started = time.monotonic()
        if not options["no_compute"] and not evaluation.is_published:
            evaluation_compute(actor=None, evaluation=evaluation, source="seed")
        sheet = reports.score_sheet_data(evaluation=evaluation)
        out = Path(str(options["out"]))
        out.mkdir(parents=True, exist_ok=True)
        base = out / f"{year}_evaluation_{evaluator.code}"
        base.with_suffix(".xlsx").write_bytes(reports.score_sheet_xlsx(sheet))
        base.with_suffix(".pdf").write_bytes(reports.score_sheet_pdf(sheet))
        self.stdout.write(f"{len(sheet.results)} units ranked; wrote {base}.xlsx and {base}.pdf "
                          f"in {time.monotonic() - started:.1f}s")
