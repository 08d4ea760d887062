import random
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from portal.seeding import SeedContext, import_app_modules, one_password_hash, registered_seeders


class Command(BaseCommand):
    help = "Load reference data and a deterministic demo data set (one login per role is printed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=["demo", "national"], default="demo")
        parser.add_argument("--seed", type=int, default=20240531)

    def handle(self, *args: object, **options: object) -> None:
        started, cpu_started = time.monotonic(), time.process_time()
        call_command("load_reference_data", stdout=self.stdout)
        import_app_modules("seed")
        seed = int(options["seed"])  # type: ignore[call-overload]
        ctx = SeedContext(scale=str(options["scale"]), rng=random.Random(seed), write=self.stdout.write)
        with one_password_hash():
            for _order, name, func in registered_seeders():
                t0, c0 = time.monotonic(), time.process_time()
                func(ctx)
                self.stdout.write(f"  {name}: {time.monotonic() - t0:.1f}s (cpu {time.process_time() - c0:.1f}s)")
        if connection.vendor == "postgresql":
            # Fresh bulk loads leave the planner without statistics; aggregates run 2-3x slower until analysed.
            t0 = time.monotonic()
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            self.stdout.write(f"  ANALYZE: {time.monotonic() - t0:.1f}s")
        self.stdout.write(self.style.SUCCESS(f"seeded '{ctx.scale}' in {time.monotonic() - started:.1f}s "
                                             f"(cpu {time.process_time() - cpu_started:.1f}s)"))
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for every account: {ctx.password})")
        for role, username, org in ctx.logins:
            self.stdout.write(f"  {role:<12} {username:<20} {org}")
