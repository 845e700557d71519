"""How the API search reads a page (patients.selectors.page_reading), and that a one-word name
search's ids can come from the covering index alone on PostgreSQL."""

import pytest
from django.db import connection

from patients.pagination import PageReading
from patients.selectors import page_reading, search_patients
from tests.factories import PatientFactory


@pytest.mark.parametrize(("query", "reading"), [
    ("", PageReading.ROWS),
    ("4165550123", PageReading.ROWS),
    ("(416) 555-0123", PageReading.ROWS),
    ("1985-04-12", PageReading.IDS_COUNTED),
    ("12/04/1985", PageReading.IDS_COUNTED),
    ("12 avril 1985", PageReading.IDS_COUNTED),
    ("jane@example.com", PageReading.ROWS),
    ("9287-170-261", PageReading.ROWS),
    ("trem", PageReading.IDS),
    ("12041985", PageReading.ROWS),  # also a patient number or a card: an index lookup each
    ("jane trem", PageReading.IDS_COUNTED),
    ("élodie bérubé", PageReading.IDS_COUNTED),
    ("jane 3rd", PageReading.IDS),  # one word the word index can read
])
def test_each_kind_of_search_is_read_its_way(query, reading):
    assert page_reading(query) == reading


@pytest.mark.django_db
def test_a_one_word_name_search_reads_its_ids_from_the_covering_index_alone(organization):
    if connection.vendor != "postgresql":
        pytest.skip("INCLUDE is PostgreSQL's")
    PatientFactory.create_batch(3, organization=organization, family_name="Tremblay")
    ids = search_patients(organization, "trem").values_list("pk", flat=True)[:26]
    sql, params = ids.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SET LOCAL enable_sort = off")  # a handful of rows: else any index and a sort
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan using patient_org_created_covering" in plan, plan
