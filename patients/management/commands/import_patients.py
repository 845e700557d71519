"""`python manage.py import_patients --organization SLUG FILE.csv [--dry-run]`

The admin's CSV import for large files: the same checks (patients/importing.py), a progress bar
on stderr, every refused row on stdout (or in a CSV report), and nothing imported unless every
row passes.
"""

import csv
import io
import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from organizations.models import Organization
from patients.importing import BATCH_SIZE, import_actor, import_patients


class ProgressBar:
    WIDTH = 30

    def __init__(self, stream, total_bytes, position):
        self.stream = stream
        self.total = max(total_bytes, 1)
        self.position = position  # () -> bytes read so far

    def update(self, rows):
        done = min(self.position() / self.total, 1.0)
        filled = int(done * self.WIDTH)
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        self.stream.write(f"\r[{bar}] {done:4.0%}  {rows:,} rows checked", ending="")
        self.stream.flush()

    def finish(self):
        self.stream.write("")


class Command(BaseCommand):
    help = "Import patients from a CSV file into one organization: every registration rule, all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", help="UTF-8 CSV file with a header row")
        parser.add_argument("--organization", required=True, help="the organization's slug")
        parser.add_argument("--dry-run", action="store_true", help="check every row, import nothing")
        parser.add_argument(
            "--allow-possible-duplicates", action="store_true",
            help="import rows that only look like registered patients (same phone, or same family name and "
                 "date of birth); same email, health card or EMR id is always refused",
        )
        parser.add_argument("--user", help="the staff username recorded in the history as the importer")
        parser.add_argument("--report", help="also write the refused rows to this CSV file (line, column, problem)")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)

    def handle(self, *args, file, organization, dry_run, allow_possible_duplicates, user, report, batch_size,
               **options):
        org = Organization.objects.filter(slug=organization).first()
        if org is None:
            raise CommandError(f"No organization with the slug “{organization}”.")
        staff = None
        if user:
            staff = get_user_model().objects.filter(username=user).first()
            if staff is None:
                raise CommandError(f"No user named “{user}”.")
        try:
            binary = open(file, "rb")  # noqa: SIM115  (closed below; the bar reads its position)
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from exc
        with binary:
            bar = ProgressBar(self.stderr, os.fstat(binary.fileno()).st_size, binary.raw.tell)
            lines = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
            result = import_patients(
                org, lines, actor=import_actor(staff, command=True), dry_run=dry_run,
                allow_possible_duplicates=allow_possible_duplicates, progress=bar.update,
                source_name=os.path.basename(file), batch_size=batch_size,
            )
            bar.finish()

        for error in result.errors:
            self.stdout.write(str(error))
        if len(result.errors) < result.error_count:
            self.stdout.write(f"… and {result.error_count - len(result.errors)} more errors.")
        if report:
            with open(report, "w", newline="", encoding="utf-8") as out:
                writer = csv.writer(out)
                writer.writerow(["line", "column", "problem"])
                writer.writerows([e.line, e.column, e.message] for e in result.errors)

        if not result.ok:
            raise CommandError(
                f"Nothing was imported: {result.rows_with_errors} of {result.rows} rows have errors "
                f"({result.error_count} in all)."
            )
        if dry_run:
            self.stdout.write(self.style.SUCCESS(
                f"Dry run: all {result.rows} rows passed the checks; nothing was imported."))
        else:
            self.stdout.write(self.style.SUCCESS(f"Imported {result.imported} patients into {org}."))
