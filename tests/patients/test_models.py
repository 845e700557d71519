"""Patient-side constraints, proved at the database level: each duplicate is inserted through the
ORM, bypassing the services, so only the database can refuse it (on SQLite and PostgreSQL)."""

from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction

from patients.models import HealthCard, Patient, Verification
from tests.factories import HealthCardFactory, LeadFactory, PatientFactory

pytestmark = pytest.mark.django_db


def refused_by_database(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


# --- patient number ---

def test_patient_number_is_unique_per_organization(organization, other_organization):
    PatientFactory(organization=organization, patient_number=7)
    PatientFactory(organization=other_organization, patient_number=7)
    refused_by_database(lambda: PatientFactory(organization=organization, patient_number=7))


def test_leads_have_no_number_and_do_not_collide(organization):
    LeadFactory(organization=organization)
    LeadFactory(organization=organization)
    assert Patient.objects.for_organization(organization).filter(patient_number__isnull=True).count() == 2


def test_an_active_patient_must_have_a_number(organization):
    refused_by_database(lambda: PatientFactory(organization=organization, patient_number=None))


@pytest.mark.parametrize("status", [Patient.Status.ARCHIVED, Patient.Status.MERGED])
def test_an_archived_or_merged_lead_keeps_having_no_number(organization, status):
    survivor = PatientFactory(organization=organization)
    into = survivor if status == Patient.Status.MERGED else None
    LeadFactory(organization=organization, status=status, merged_into=into)
    assert Patient.objects.filter(status=status, patient_number__isnull=True).count() == 1


def test_the_number_check_also_holds_on_update(organization):
    lead = LeadFactory(organization=organization)
    refused_by_database(lambda: Patient.objects.filter(pk=lead.pk).update(status=Patient.Status.ACTIVE))


# --- email ---

def test_email_is_unique_per_organization_ignoring_case(organization, other_organization):
    PatientFactory(organization=organization, email="Ana.Lima@Example.com")
    PatientFactory(organization=other_organization, email="ana.lima@example.com")
    refused_by_database(lambda: PatientFactory(organization=organization, email="ana.lima@example.com"))
    refused_by_database(lambda: PatientFactory(organization=organization, email="ANA.LIMA@EXAMPLE.COM"))


def test_patients_without_email_do_not_collide(organization):
    PatientFactory(organization=organization, email="")
    PatientFactory(organization=organization, email="")
    LeadFactory(organization=organization, email="")
    assert Patient.objects.for_organization(organization).filter(email="").count() == 3


# --- EMR id, username ---

def test_emr_id_is_unique_per_organization_when_set(organization, other_organization):
    PatientFactory(organization=organization, emr_id=1234)
    PatientFactory(organization=other_organization, emr_id=1234)
    PatientFactory(organization=organization, emr_id=None)
    PatientFactory(organization=organization, emr_id=None)
    refused_by_database(lambda: PatientFactory(organization=organization, emr_id=1234))


def test_username_is_unique_per_organization_when_set(organization, other_organization):
    PatientFactory(organization=organization, username="ana@example.com#maple")
    PatientFactory(organization=other_organization, username="ana@example.com#maple")
    PatientFactory(organization=organization, username="")
    PatientFactory(organization=organization, username="")
    refused_by_database(lambda: PatientFactory(organization=organization, username="ana@example.com#maple"))


# --- health card ---

def test_health_card_is_unique_per_organization_and_province(organization, other_organization):
    HealthCardFactory(patient=PatientFactory(organization=organization), number="9876543217", province="ON")
    HealthCardFactory(patient=PatientFactory(organization=other_organization), number="9876543217", province="ON")
    # Same digits issued by another province: a different card.
    HealthCardFactory(patient=PatientFactory(organization=organization), number="9876543217", province="NS")
    second = PatientFactory(organization=organization)
    refused_by_database(
        lambda: HealthCard.objects.create(organization=organization, patient=second, number="9876543217", province="ON")
    )


def test_a_patient_has_at_most_one_health_card(organization):
    card = HealthCardFactory(patient=PatientFactory(organization=organization))
    refused_by_database(lambda: HealthCard.objects.create(
        organization=organization, patient=card.patient, number="9287170261", province="ON"
    ))


def test_health_card_expiry_and_masking(organization):
    card = HealthCardFactory(patient=PatientFactory(organization=organization), number="9876543217")
    assert card.masked_number == "••••••3217"
    assert not card.is_expired()
    card.expiry_date = date(2024, 5, 1)
    assert card.is_expired(today=date(2024, 5, 2))
    assert not card.is_expired(today=date(2024, 5, 1))


# --- verification ---

def test_one_verification_per_patient_and_channel(organization):
    patient = PatientFactory(organization=organization)
    other = PatientFactory(organization=organization)
    Verification.objects.create(organization=organization, patient=patient, channel="email")
    Verification.objects.create(organization=organization, patient=patient, channel="phone")
    Verification.objects.create(organization=organization, patient=other, channel="email")
    refused_by_database(
        lambda: Verification.objects.create(organization=organization, patient=patient, channel="email")
    )


# --- derived fields, history ---

def test_save_keeps_the_folded_search_fields(organization):
    patient = PatientFactory(
        organization=organization, given_name="Élodie", family_name="Bérubé-O’Neil", preferred_name="Lodie",
        full_name="Élodie Bérubé-O’Neil",
    )
    patient.refresh_from_db()
    assert patient.search_name == "elodie berube-o'neil berube o neil lodie"
    assert patient.family_name_key == "berube-o'neil"
    patient.family_name = "Tremblay"
    patient.save(update_fields=["family_name"])
    patient.refresh_from_db()
    assert patient.family_name_key == "tremblay"
    assert "tremblay" in patient.search_name


def test_history_never_copies_the_password_hash(organization):
    patient = PatientFactory(organization=organization, password="md5$salt$hash")
    historical_fields = {f.name for f in patient.history.model._meta.fields}
    assert "password" not in historical_fields
    assert "given_name" in historical_fields
    assert patient.history.count() == 1


def test_display_name_and_str(organization):
    assert str(PatientFactory(organization=organization, given_name="Li", family_name="Wei", patient_number=42)) == (
        "Li Wei #42"
    )
    lead = LeadFactory(organization=organization, given_name="", family_name="", full_name="Incomplete patient ")
    assert str(lead) == "Incomplete patient (lead)"


# --- the indexes registration relies on ---

def test_lookup_indexes_exist_in_the_database():
    with connection.cursor() as cursor:
        patient_indexes = connection.introspection.get_constraints(cursor, Patient._meta.db_table)
        card_indexes = connection.introspection.get_constraints(cursor, HealthCard._meta.db_table)
    for name in ("patient_org_phone", "patient_org_family_dob", "patient_email_unique_per_org",
                 "patient_number_unique_per_org"):
        assert name in patient_indexes, name
    assert patient_indexes["patient_org_family_dob"]["columns"] == ["organization_id", "family_name_key",
                                                                    "date_of_birth"]
    assert "healthcard_org_number" in card_indexes
    assert "healthcard_unique_per_org_province" in card_indexes

