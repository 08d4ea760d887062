"""`manage.py healthcheck [--part worker|beat|...]`: the health report of some parts (all by default) as JSON,
exit status 1 when one is not healthy. The worker and beat containers' health checks run it for their part."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.health import HEALTHY, PARTS, health_report


class Command(BaseCommand):
    help = "Check the portal's parts (database, cache, broker, worker and beat heartbeats); exit 1 when one is down."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--part", action="append", choices=PARTS, help="a part to check (repeatable; default all)")

    def handle(self, *args: Any, **options: Any) -> None:
        report = health_report(options["part"] or PARTS)
        self.stdout.write(json.dumps(report, ensure_ascii=False))
        unhealthy = [name for name, part in report["parts"].items() if part["status"] not in HEALTHY]
        if unhealthy:
            raise CommandError(f"unhealthy: {', '.join(unhealthy)}")
