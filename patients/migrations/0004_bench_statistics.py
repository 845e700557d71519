"""PostgreSQL-only planner statistics that the benchmark at 1M patients showed missing (bench/findings.md).

- search_name, statistics target 1000: with the default, the planner judges every "a word starts
  with ..." pattern to match almost nobody (its 100-entry histogram rarely holds a match), reads all
  matches of a common name through the trigram index and sorts them (tens of milliseconds). With
  1000 entries a common name is seen as common and read newest first, stopping at the first page; a
  rare one still uses the trigram index.
- lower(email): no statistics existed for the expression, so "lower(email) = ANY(<a batch of emails>)"
  (the import's duplicate lookup) was judged to match every row and read the whole table (0.4 s per
  batch of 2,000 at 1M patients, instead of a few ms through the unique index).

SQLite (development) has no such statistics; nothing runs there.
"""

from django.db import migrations

FORWARD = [
    "ALTER TABLE patients_patient ALTER COLUMN search_name SET STATISTICS 1000",
    "CREATE STATISTICS IF NOT EXISTS patient_email_lower ON (lower(email)) FROM patients_patient",
    "ANALYZE patients_patient",
]
BACKWARD = [
    "DROP STATISTICS IF EXISTS patient_email_lower",
    "ALTER TABLE patients_patient ALTER COLUMN search_name SET STATISTICS -1",
]


def run(statements):
    def apply(apps, schema_editor):
        connection = schema_editor.connection
        if connection.vendor != "postgresql":
            return
        for sql in statements:
            if "STATISTICS IF NOT EXISTS" in sql and connection.pg_version < 140000:
                continue  # statistics on an expression need PostgreSQL 14
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("patients", "0003_admin_filter_indexes")]

    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
