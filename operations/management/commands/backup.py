"""python manage.py backup [--to DIR]: see operations/backups.py."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from operations.backups import BackupError, backup


class Command(BaseCommand):
    help = "Dump the PostgreSQL database with pg_dump (custom format) into a new file in DIR."

    def add_arguments(self, parser):
        parser.add_argument("--to", default="backups", help="Directory of the backup files (default %(default)s).")

    def handle(self, *args, to, **options):
        try:
            path = backup(Path(to))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(path))
