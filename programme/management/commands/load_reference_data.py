from django.core.management.base import BaseCommand
from django.utils import timezone

from programme.reference import load_divisions, load_programme_years, load_size_thresholds


class Command(BaseCommand):
    help = "Load (idempotently) the GB/T 2260 hierarchy, the NBS size table and the programme years."

    def handle(self, *args: object, **options: object) -> None:
        result = load_divisions()
        self.stdout.write(
            f"divisions: {result['total']} units ({result['created']} created, {result['updated']} updated)"
        )
        self.stdout.write(f"size thresholds: {load_size_thresholds()} rows")
        years = load_programme_years(last_year=timezone.localdate().year)
        self.stdout.write(f"programme years: {years} (2020 onward)")
