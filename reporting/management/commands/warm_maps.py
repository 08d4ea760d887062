"""Build (or load) the maps' simplified geometry once, so no page pays the cold build (about 10 s nationally).

Run at deployment after ``migrate`` (the web container and ``make demo`` do): ``python manage.py warm_maps``.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from reporting.maps import ALL_PROVINCES, map_geometry_ready


class Command(BaseCommand):
    help = "Build or load the cached map geometry (China and every province by county)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--national-only", action="store_true", help="only the map of China")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        map_geometry_ready(() if options["national_only"] else ALL_PROVINCES)
        self.stdout.write(f"map geometry ready in {time.perf_counter() - started:.1f} s")
