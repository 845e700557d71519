"""organizations 0002: the old "email required" setting becomes "email" in the registration policy."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("organizations", "0001_initial")]
AFTER = [("organizations", "0002_registration_policy")]


@pytest.mark.django_db(transaction=True)
def test_email_required_is_kept_as_the_policy():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps.get_model("organizations", "Organization")
        old.objects.create(name="Strict", slug="strict", requires_email=True)
        old.objects.create(name="Open", slug="open", requires_email=False)

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        new = executor.loader.project_state(AFTER).apps.get_model("organizations", "Organization")
        policies = dict(new.objects.values_list("slug", "required_fields"))
        assert policies == {"strict": ["email"], "open": []}
        assert set(new.objects.values_list("lead_requires", flat=True)) == {"nothing"}
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
