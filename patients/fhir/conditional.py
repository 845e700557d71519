"""Conditional create (If-None-Exist) that never makes two patients for one condition.

The spec leaves conditional create racy: two requests both search, both find nothing, both
create. Here the search and the create run in one transaction holding a PostgreSQL advisory lock
keyed by (organization, the condition normalized), so a second request with the same condition
waits until the first commits, then searches (READ COMMITTED: a new snapshot per statement) and
finds what the first created. An advisory lock rather than a table of conditions: it leaves
nothing behind (a stored condition would go stale once the patient changes and stops matching),
and requests with different conditions never wait on each other.

SQLite (development) has one writer at a time: the transaction starts by writing, so two
conditional creates cannot interleave there either.
"""

import hashlib

from django.db import connection

from organizations.models import Organization


def lock_condition(organization, normalized: list) -> None:
    """Hold, until the current transaction ends, the lock for `normalized` in `organization`."""
    text = f"fhir-conditional-create|{organization.pk}|" + "&".join(f"{k}={v}" for k, v in normalized)
    key = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big", signed=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
    else:
        # SQLite: a write takes the database's one write lock until commit.
        Organization.objects.filter(pk=organization.pk).update(slug=organization.slug)
