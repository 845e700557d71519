"""PostgreSQL only: a GIN index on the words of the folded names, for name search.

`patients.selectors.name_filter` looks every typed word up in it as a prefix (`'bou':*`), a superset
of its `LIKE 'bou%' OR LIKE '% bou%'`, which stays the filter. Built CONCURRENTLY (outside a
transaction, hence `atomic = False`) so a live table keeps taking writes. SQLite: nothing to do.
The trigram index of 0002 stays: FHIR `name:contains` needs it.
"""

from django.db import migrations

INDEX = "patient_search_words"
# The expression must stay the one patients.selectors.SEARCH_WORDS_VECTOR writes, or the index is unused.
CREATE = (
    f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON patients_patient "
    "USING gin (to_tsvector('simple'::regconfig, translate(search_name, '<:', '  ')))"
)
DROP = f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        # An interrupted concurrent build leaves an invalid index that IF NOT EXISTS would keep.
        cursor.execute("SELECT NOT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%s)", [INDEX])
        row = cursor.fetchone()
    if row and row[0]:
        schema_editor.execute(DROP)
    schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("patients", "0011_preferred_language_db_default")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
