"""Import patients from a CSV file: every rule of the API, all or nothing.

Each row is checked with `services.clean_registration`, the same checks `register_patient`
makes, so the import cannot drift from the API (a plain row goes through quick_clean.py, the same
cleaner's field rules with their answers kept, tested to give the same values). Then, per batch of rows:
- hard conflicts (same email, health card or EMR id as a registered patient or an earlier row)
  and possible duplicates (same phone, or same family name and date of birth) are found with a
  few bulk queries instead of one per row (lookups.py);
- unless this is a dry run or some row was refused, the batch is written at once (writing.py):
  patient numbers are taken in one block per batch (the organization row stays locked until
  commit, so they are contiguous), rows go in with PostgreSQL COPY (bulk_create elsewhere), and
  their history rows are copied from them in SQL.
Everything runs in one transaction, rolled back when any row is refused: a file imports entirely
or not at all. The file is streamed, so memory grows only with the keys kept to find in-file
duplicates. On PostgreSQL each batch is compared and stored in a second thread, on the same
connection, while the next rows are read and checked (writing.BatchWriter); the report is put
together in file order all the same.
"""

from patients.actors import Actor
from patients.importing.importer import BATCH_SIZE, CommandLineActor, ImportReport, PatientImporter, RowError
from patients.importing.rows import COLUMNS, ERROR_COLUMNS
from patients.models import Channel


def import_patients(organization, lines, *, actor: Actor, dry_run: bool = False,
                    allow_possible_duplicates: bool = False, progress=None, source_name: str = "",
                    batch_size: int = BATCH_SIZE) -> ImportReport:
    """Check every row of a CSV file (an iterable of text lines, the header first) and, unless
    `dry_run`, register them all in `organization`, or none when any row is refused.

    `allow_possible_duplicates` imports rows that only look like registered patients (same phone,
    or same family name and date of birth); `progress(rows_checked)` is called after each batch.
    """
    importer = PatientImporter(
        organization, actor=actor, dry_run=dry_run, allow_possible_duplicates=allow_possible_duplicates,
        batch_size=batch_size, progress=progress, source_name=source_name,
    )
    return importer.run(lines)


def import_actor(user=None, *, command=False) -> Actor:
    """Who imports: a staff user (from the admin, or named with the command's --user), else the command."""
    if command and user is None:
        return CommandLineActor(channel=Channel.IMPORT)
    return Actor.for_user(user, Channel.IMPORT)


__all__ = ["BATCH_SIZE", "COLUMNS", "ERROR_COLUMNS", "ImportReport", "RowError", "import_actor", "import_patients"]
