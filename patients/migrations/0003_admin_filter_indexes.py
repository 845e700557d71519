"""PostgreSQL index behind the admin changelist's province filter (newest first within an organization).

The other filters already have theirs (status: patient_org_status_created; created date:
patient_org_created); has insurance is a yes/no split that the created-date index serves.
SQLite (development) scans instead; the statements are skipped there.
"""

from django.db import migrations

FORWARD = [
    "CREATE INDEX IF NOT EXISTS patient_org_province_created "
    "ON patients_patient (organization_id, province, created_at DESC)",
]
BACKWARD = ["DROP INDEX IF EXISTS patient_org_province_created"]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("patients", "0002_postgres_search_indexes")]

    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
