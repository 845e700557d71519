"""PostgreSQL-only: finer statistics on the folded names, so name search picks the right plan.

With the default statistics target the planner judges every "word starts with ..." pattern on
search_name to match almost nobody (its 100-entry histogram rarely holds a match), and so reads
every match through the trigram index and sorts them: tens of milliseconds for a common family
name among 1M patients (bench/findings.md). With 1000 entries, a common name is seen as common and
read newest first from the created-date index, stopping at the first page; a rare one still uses
the trigram index. SQLite (development) has no planner statistics; the statements are skipped there.
"""

from django.db import migrations

FORWARD = [
    "ALTER TABLE patients_patient ALTER COLUMN search_name SET STATISTICS 1000",
    "ANALYZE patients_patient (search_name)",
]
BACKWARD = ["ALTER TABLE patients_patient ALTER COLUMN search_name SET STATISTICS -1"]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("patients", "0003_admin_filter_indexes")]

    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
