"""Fewer indexes to maintain on every registration (bench/findings.md): the patient's own
organization index (every other index leads with the organization), and the history table's
indexes on who created or promoted (never looked up there). Who created or promoted keeps a
partial index, for SET NULL when a user or key is deleted.

The foreign keys only lose an index: the database side drops the indexes by name and leaves the
constraints alone (AlterField would drop and re-check each constraint over the whole table).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('organizations', '0002_registration_policy'),
        ('patients', '0008_idempotency_response_headers'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.AlterField(
                model_name='historicalpatient',
                name='created_by',
                field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL),
            ),
            migrations.AlterField(
                model_name='historicalpatient',
                name='created_by_api_key',
                field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='organizations.apikey'),
            ),
            migrations.AlterField(
                model_name='historicalpatient',
                name='promoted_by',
                field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL),
            ),
            migrations.AlterField(
                model_name='patient',
                name='created_by',
                field=models.ForeignKey(blank=True, db_index=False, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
            ),
            migrations.AlterField(
                model_name='patient',
                name='created_by_api_key',
                field=models.ForeignKey(blank=True, db_index=False, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='organizations.apikey'),
            ),
            migrations.AlterField(
                model_name='patient',
                name='organization',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='patients', to='organizations.organization'),
            ),
            migrations.AlterField(
                model_name='patient',
                name='promoted_by',
                field=models.ForeignKey(blank=True, db_index=False, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
            ),
            ],
            database_operations=[
            migrations.RunSQL('DROP INDEX IF EXISTS "patients_historicalpatient_created_by_id_96206fe8"', migrations.RunSQL.noop),
            migrations.RunSQL('DROP INDEX IF EXISTS "patients_historicalpatient_created_by_api_key_id_cdd7e65b"', migrations.RunSQL.noop),
            migrations.RunSQL('DROP INDEX IF EXISTS "patients_historicalpatient_promoted_by_id_1320b1f5"', migrations.RunSQL.noop),
            migrations.RunSQL('DROP INDEX IF EXISTS "patients_patient_created_by_id_cf506306"', migrations.RunSQL.noop),
            migrations.RunSQL('DROP INDEX IF EXISTS "patients_patient_created_by_api_key_id_3ee4b688"', migrations.RunSQL.noop),
            migrations.RunSQL('DROP INDEX IF EXISTS "patients_patient_organization_id_772b1524"', migrations.RunSQL.noop),
            migrations.RunSQL('DROP INDEX IF EXISTS "patients_patient_promoted_by_id_c8b2fa76"', migrations.RunSQL.noop),
            ],
        ),
        migrations.AddIndex(
            model_name='patient',
            index=models.Index(condition=models.Q(('created_by__isnull', False)), fields=['created_by'], name='patient_created_by'),
        ),
        migrations.AddIndex(
            model_name='patient',
            index=models.Index(condition=models.Q(('created_by_api_key__isnull', False)), fields=['created_by_api_key'], name='patient_created_by_key'),
        ),
        migrations.AddIndex(
            model_name='patient',
            index=models.Index(condition=models.Q(('promoted_by__isnull', False)), fields=['promoted_by'], name='patient_promoted_by'),
        ),
    ]
