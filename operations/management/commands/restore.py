"""python manage.py restore FILE --into NEW_DATABASE: see operations/backups.py."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from operations.backups import BackupError, restore


class Command(BaseCommand):
    help = "Restore a backup file (made by `backup`) into a NEW database on the same PostgreSQL server."

    def add_arguments(self, parser):
        parser.add_argument("file", help="A .dump file made by `python manage.py backup`.")
        parser.add_argument("--into", required=True, help="Name of the new database (must not exist).")

    def handle(self, *args, file, into, **options):
        try:
            restore(Path(file), into)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Restored {file} into the new database {into}.")
