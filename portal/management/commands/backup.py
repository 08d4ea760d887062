from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from portal.backup import backup_create


class Command(BaseCommand):
    help = "Back up the PostgreSQL database (pg_dump) and the uploaded files into a new folder."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", default="backups", help="folder that receives backup-<timestamp>/")
        parser.add_argument("--database-url", default=None, help="default: the DATABASE_URL in use")

    def handle(self, *args: object, **options: object) -> None:
        url = str(options["database_url"] or _current_url())
        target = backup_create(database_url=url, out_dir=Path(str(options["out"])))
        self.stdout.write(self.style.SUCCESS(f"backup written to {target}"))


def _current_url() -> str:
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit("backup needs PostgreSQL: set DATABASE_URL=postgres://...")
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
