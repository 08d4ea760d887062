import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.backup import backup_restore

from .backup import _current_url


class Command(BaseCommand):
    help = "Restore a backup folder (database + uploaded files) and check every table's row count."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup_dir", help="a backup-<timestamp>/ folder made by `manage.py backup`")
        parser.add_argument("--database-url", default=None, help="default: the DATABASE_URL in use")

    def handle(self, *args: object, **options: object) -> None:
        url = str(options["database_url"] or _current_url())
        result = backup_restore(backup_dir=Path(str(options["backup_dir"])), database_url=url)
        self.stdout.write(json.dumps(result, ensure_ascii=False))
        if result["mismatched"]:
            raise CommandError(f"row counts differ from the backup: {result['mismatched']}")
        self.stdout.write(self.style.SUCCESS(f"restored {result['tables']} tables, {result['rows']} rows"))
