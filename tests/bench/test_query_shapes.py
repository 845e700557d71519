"""The query-shape fixes the benchmark led to (bench/findings.md), held by tests.

- the duplicate check builds a Patient only for the candidates that match;
- on PostgreSQL, a search that may be a health card number keeps the card lookup usable
  inside the OR (`id = ANY(ARRAY(...))`), and search_name carries finer planner statistics.
"""

from datetime import date

import pytest
from django.db import connection
from django.db.models.signals import post_init

from patients.duplicates import find_possible_duplicates
from patients.models import Patient
from patients.selectors import search_patients
from tests.factories import HealthCardFactory, PatientFactory

pytestmark = pytest.mark.django_db

BORN = date(1979, 2, 3)


def test_duplicate_check_builds_only_the_patients_that_match(organization):
    same_day = [PatientFactory(organization=organization, date_of_birth=BORN, family_name=f"Other{n}",
                               given_name=f"Someone{n}") for n in range(12)]
    match = PatientFactory(organization=organization, date_of_birth=BORN, given_name="Ana", family_name="Lima",
                           phone="+14165550177")
    built = []

    def count(sender, instance, **kwargs):
        built.append(instance)

    post_init.connect(count, sender=Patient)
    try:
        matches = find_possible_duplicates(organization, given_name="Ana", family_name="Lima", date_of_birth=BORN)
    finally:
        post_init.disconnect(count, sender=Patient)

    assert [m.patient for m in matches] == [match]
    assert len(built) == 1  # not one per patient born that day (13 candidates were read)
    assert len(same_day) == 12


def test_a_matched_patient_is_the_stored_row(organization):
    match = PatientFactory(organization=organization, date_of_birth=BORN, given_name="Ana", family_name="Lima",
                           phone="+14165550177", meta={"source": "x"}, roles=["patient", "caregiver"])
    found = find_possible_duplicates(organization, phone="+14165550177")[0].patient
    stored = Patient.objects.get(pk=match.pk)
    for field in Patient._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(stored, field.attname), field.attname
    assert str(found.phone) == "+14165550177" and found.phone.country_code == 1
    assert found._state.adding is False
    found.save()  # an ordinary stored instance


@pytest.mark.postgres_only
def test_card_search_stays_one_query_readable_through_indexes(organization, django_assert_num_queries):
    holder = PatientFactory(organization=organization, phone="+14165550188")
    HealthCardFactory(patient=holder, number="9876543217", province="ON")
    query = search_patients(organization, "9876543217")
    assert "= ANY(ARRAY(SELECT" in str(query.query)
    with django_assert_num_queries(1):
        assert list(query) == [holder]


@pytest.mark.postgres_only
def test_search_name_has_finer_statistics():
    with connection.cursor() as cursor:
        cursor.execute("SELECT attstattarget FROM pg_attribute WHERE attrelid = 'patients_patient'::regclass "
                       "AND attname = 'search_name'")
        assert cursor.fetchone()[0] == 1000


@pytest.mark.postgres_only
def test_lowercased_email_has_statistics():
    if connection.pg_version < 140000:
        pytest.skip("statistics on an expression need PostgreSQL 14")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_statisticsobjdef(oid) FROM pg_statistic_ext "
                       "WHERE stxname = 'patient_email_lower'")
        assert "lower" in cursor.fetchone()[0]
