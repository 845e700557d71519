"""promote_lead: what a full patient needs, filling it in, duplicates, history and patient numbers
(also under concurrent promotions on PostgreSQL)."""

import threading
from datetime import date

import pytest
from django.db import connection

from organizations.models import Organization
from patients.actors import Actor
from patients.errors import (
    LeadIncompleteError,
    NotALeadError,
    PatientConflictError,
    PatientRuleError,
    PossibleDuplicatesError,
)
from patients.models import HealthCard, Patient
from patients.services import promote_lead, register_patient
from tests.factories import HealthCardFactory, LeadFactory, PatientFactory, UserFactory

CARD = {"number": "9876543217", "version_code": "AB", "province": "ON"}  # valid Ontario test number


def contract_lead(organization, **data):
    """A lead as the Register Patient contract stores it."""
    fields = {"full_name": "Incomplete patient ", "preferred_name": "Incomplete patient", "calling_code": "+971",
              "local_phone": "", "email": "", "gender": "male", "date_of_birth": "1111-01-01"}
    fields.update(data)
    return register_patient(organization, fields, actor=Actor(channel="api"), as_lead=True)


def counter(organization):
    return Organization.objects.values_list("last_patient_number", flat=True).get(pk=organization.pk)


# What is missing ----------------------------------------------------------------------------------

def test_refuses_with_the_list_of_what_is_missing(organization, staff_actor):
    lead = contract_lead(organization)

    with pytest.raises(LeadIncompleteError) as caught:
        promote_lead(lead, by=staff_actor)

    assert caught.value.missing == ["date_of_birth", "phone"]
    assert set(caught.value.errors) == {"date_of_birth", "phone"}
    assert caught.value.status_code == 400
    lead.refresh_from_db()
    assert (lead.status, lead.patient_number) == (Patient.Status.LEAD, None)
    assert counter(organization) == 0


def test_an_empty_lead_misses_everything_a_full_patient_needs(organization, staff_actor):
    lead = contract_lead(organization, full_name="", preferred_name="", calling_code="")
    Patient.objects.filter(pk=lead.pk).update(gender=Patient.Gender.UNKNOWN)

    with pytest.raises(LeadIncompleteError) as caught:
        promote_lead(lead, by=staff_actor)

    assert caught.value.missing == ["given_name", "family_name", "date_of_birth", "gender", "phone"]


def test_email_is_missing_only_where_the_organization_requires_it(organization, staff_actor):
    organization.required_fields = ["email"]
    organization.save()
    lead = contract_lead(organization, local_phone="561231231")

    with pytest.raises(LeadIncompleteError) as caught:
        promote_lead(lead, by=staff_actor, date_of_birth="1980-05-06")

    assert caught.value.missing == ["email"]
    promoted = promote_lead(lead, by=staff_actor, date_of_birth="1980-05-06", email="lead@example.com")
    assert promoted.email == "lead@example.com"
    assert promoted.username == "lead@example.com#maple"


def test_a_single_word_name_lacks_a_family_name(organization, staff_actor):
    lead = contract_lead(organization, full_name="Cher", local_phone="561231231")

    with pytest.raises(LeadIncompleteError) as caught:
        promote_lead(lead, by=staff_actor, date_of_birth="1980-05-06")

    assert caught.value.missing == ["family_name"]


# Filling in ----------------------------------------------------------------------------------------

def test_fills_in_the_missing_fields_and_activates(organization, staff_actor, member):
    lead = contract_lead(organization)

    promoted = promote_lead(lead, by=staff_actor, date_of_birth="1980-05-06", phone="(416) 555-0199")

    assert promoted.pk == lead.pk
    stored = Patient.objects.get(pk=lead.pk)
    assert stored.status == Patient.Status.ACTIVE
    assert stored.patient_number == 1
    assert stored.date_of_birth == date(1980, 5, 6)
    assert str(stored.phone) == "+14165550199"
    assert (stored.given_name, stored.family_name, stored.full_name) == ("Incomplete", "patient",
                                                                         "Incomplete patient ")
    assert stored.promoted_at is not None
    assert stored.promoted_by == member
    assert stored.promoted_by_label == "member (Intake form)"


def test_names_given_at_promotion_replace_the_split_full_name(organization, staff_actor):
    lead = contract_lead(organization, local_phone="561231231")

    promoted = promote_lead(lead, by=staff_actor, given_name="Omar", family_name="Haddad",
                            date_of_birth="1980-05-06")

    assert (promoted.given_name, promoted.family_name, promoted.full_name) == ("Omar", "Haddad", "Omar Haddad")
    assert "haddad" in Patient.objects.get(pk=lead.pk).search_name


def test_the_leads_calling_code_and_local_phone_make_its_phone(organization, staff_actor):
    lead = LeadFactory(organization=organization, phone="", calling_code="+971", local_phone="561231231")

    promoted = promote_lead(lead, by=staff_actor, date_of_birth="1980-05-06")

    assert str(Patient.objects.get(pk=promoted.pk).phone) == "+971561231231"


def test_a_leads_unusable_phone_is_reported_missing_until_replaced(organization, staff_actor):
    lead = contract_lead(organization, calling_code="abc", local_phone="12")

    with pytest.raises(LeadIncompleteError) as caught:
        promote_lead(lead, by=staff_actor, date_of_birth="1980-05-06")
    assert caught.value.missing == ["phone"]

    promoted = promote_lead(lead, by=staff_actor, date_of_birth="1980-05-06", calling_code="+971",
                            local_phone="561231231")
    assert (promoted.calling_code, promoted.local_phone, str(promoted.phone)) == ("+971", "561231231",
                                                                                   "+971561231231")


def test_a_health_card_can_be_added(organization, staff_actor):
    lead = contract_lead(organization, local_phone="561231231")

    promote_lead(lead, by=staff_actor, date_of_birth="1980-05-06", health_card=CARD)

    card = HealthCard.objects.for_organization(organization).get(patient=lead)
    assert (card.number, card.province, card.version_code) == ("9876543217", "ON", "AB")


@pytest.mark.parametrize("fields,field", [
    ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
    ({"date_of_birth": "1111-01-01"}, "date_of_birth"),
    ({"date_of_birth": "06/05/1980"}, "date_of_birth"),
    ({"date_of_birth": "1980-05-06", "phone": "call me"}, "phone"),
    ({"date_of_birth": "1980-05-06", "email": "nope"}, "email"),
    ({"date_of_birth": "1980-05-06", "gender": "robot"}, "gender"),
    ({"date_of_birth": "1980-05-06", "health_card": {"number": "123", "province": "ON"}}, "health_card.number"),
])
def test_a_bad_value_is_refused_and_nothing_changes(organization, staff_actor, fields, field):
    lead = contract_lead(organization, local_phone="561231231")

    with pytest.raises(PatientRuleError) as caught:
        promote_lead(lead, by=staff_actor, **fields)

    assert field in caught.value.errors
    lead.refresh_from_db()
    assert (lead.status, lead.patient_number, lead.date_of_birth) == (Patient.Status.LEAD, None, None)
    assert counter(organization) == 0


# Not a lead ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("status", [Patient.Status.ACTIVE, Patient.Status.ARCHIVED])
def test_only_a_lead_can_be_promoted(organization, staff_actor, status):
    patient = PatientFactory(organization=organization, status=status)
    number = patient.patient_number

    with pytest.raises(NotALeadError) as caught:
        promote_lead(patient, by=staff_actor)

    assert caught.value.status_code == 409
    patient.refresh_from_db()
    assert (patient.status, patient.patient_number) == (status, number)


def test_a_stale_lead_object_that_was_promoted_meanwhile_is_not_a_lead(organization, staff_actor):
    lead = contract_lead(organization, local_phone="561231231")
    stale = Patient.objects.get(pk=lead.pk)
    promote_lead(lead, by=staff_actor, date_of_birth="1980-05-06")

    with pytest.raises(NotALeadError):
        promote_lead(stale, by=staff_actor, date_of_birth="1980-05-06")
    assert counter(organization) == 1


# Possible duplicates -------------------------------------------------------------------------------

def duplicate_case(organization, reason):
    """(lead, fields for promote_lead, the active patient it resembles) for one reason."""
    born = date(1980, 5, 6)
    if reason == "same phone":
        existing = PatientFactory(organization=organization, phone="+971561231231")
        return contract_lead(organization, local_phone="561231231"), {"date_of_birth": born}, existing
    lead = contract_lead(organization, full_name="Wei Li", local_phone="561231231")
    if reason == "same email":
        existing = PatientFactory(organization=organization, email="wei@example.com")
        return lead, {"date_of_birth": born, "email": "WEI@example.com"}, existing
    if reason == "same health card":
        existing = PatientFactory(organization=organization)
        HealthCardFactory(patient=existing, number="9876543217", province="ON")
        return lead, {"date_of_birth": born, "health_card": CARD}, existing
    if reason == "same family name and date of birth":
        existing = PatientFactory(organization=organization, given_name="Mei", family_name="LI", date_of_birth=born)
        return lead, {"date_of_birth": born}, existing
    existing = PatientFactory(organization=organization, given_name="Li", family_name="Wei", date_of_birth=born)
    return lead, {"date_of_birth": born}, existing


REASONS = ["same phone", "same email", "same health card", "same family name and date of birth",
           "similar name and same date of birth"]


@pytest.mark.parametrize("reason", REASONS)
def test_possible_duplicates_need_confirmation(organization, staff_actor, reason):
    lead, fields, existing = duplicate_case(organization, reason)

    with pytest.raises(PossibleDuplicatesError) as caught:
        promote_lead(lead, by=staff_actor, **fields)

    assert [(m.patient, m.reasons) for m in caught.value.matches] == [(existing, [reason])]
    assert caught.value.status_code == 409
    lead.refresh_from_db()
    assert lead.status == Patient.Status.LEAD
    assert counter(organization) == 1  # only the existing patient's number


@pytest.mark.parametrize("reason", ["same phone", "same family name and date of birth",
                                    "similar name and same date of birth"])
def test_confirmed_duplicates_are_promoted(organization, staff_actor, reason):
    lead, fields, _ = duplicate_case(organization, reason)

    promoted = promote_lead(lead, by=staff_actor, confirm_duplicates=True, **fields)

    assert promoted.status == Patient.Status.ACTIVE
    assert promoted.patient_number == 2


@pytest.mark.parametrize("reason,field", [("same email", "email"), ("same health card", "health_card.number")])
def test_confirming_cannot_take_anothers_email_or_card(organization, staff_actor, reason, field):
    lead, fields, _ = duplicate_case(organization, reason)

    with pytest.raises(PatientConflictError) as caught:
        promote_lead(lead, by=staff_actor, confirm_duplicates=True, **fields)

    assert list(caught.value.errors) == [field]
    lead.refresh_from_db()
    assert (lead.status, lead.patient_number) == (Patient.Status.LEAD, None)
    assert counter(organization) == 1


def test_other_leads_and_other_organizations_are_not_duplicates(organization, other_organization, staff_actor):
    PatientFactory(organization=other_organization, phone="+971561231231")
    LeadFactory(organization=organization, phone="+971561231231")
    lead = contract_lead(organization, local_phone="561231231")

    promoted = promote_lead(lead, by=staff_actor, date_of_birth="1980-05-06")

    assert promoted.status == Patient.Status.ACTIVE


# History ---------------------------------------------------------------------------------------------

def test_history_records_the_promotion_and_who_did_it(organization, member, staff_actor):
    lead = contract_lead(organization, local_phone="561231231")

    promote_lead(lead, by=staff_actor, date_of_birth="1980-05-06")

    latest = lead.history.first()
    assert latest.history_change_reason == "Promoted from lead to patient"
    assert latest.status == Patient.Status.ACTIVE
    assert latest.patient_number == 1
    assert latest.history_actor == "member (Intake form)"
    assert latest.history_channel == "intake"
    assert latest.history_user == member
    assert [h.status for h in lead.history.all()] == ["active", "lead"]


def test_a_plain_staff_user_acts_from_the_admin(organization):
    admin_user = UserFactory(username="clinic-admin")
    lead = contract_lead(organization, local_phone="561231231")

    promoted = promote_lead(lead, by=admin_user, date_of_birth="1980-05-06")

    assert promoted.promoted_by == admin_user
    latest = lead.history.first()
    assert (latest.history_actor, latest.history_channel, latest.history_user) == (
        "clinic-admin (Admin)", "admin", admin_user)


def test_an_api_key_is_recorded_by_name(organization, api_key):
    lead = contract_lead(organization, local_phone="561231231")

    promoted = promote_lead(lead, by=Actor.for_api_key(api_key), date_of_birth="1980-05-06")

    assert (promoted.promoted_by, promoted.promoted_by_label) == (None, "API key: EMR bridge")
    assert lead.history.first().history_actor == "API key: EMR bridge"


# Patient numbers ---------------------------------------------------------------------------------

def test_numbers_increase_and_are_never_reused(organization, other_organization, staff_actor):
    leads = [contract_lead(organization, full_name=f"Lead Number{i}", local_phone=f"56123123{i}")
             for i in range(3)]
    first = promote_lead(leads[0], by=staff_actor, date_of_birth="1980-05-06")
    second = promote_lead(leads[1], by=staff_actor, date_of_birth="1981-05-06")
    Patient.objects.filter(pk=second.pk).delete()
    third = promote_lead(leads[2], by=staff_actor, date_of_birth="1982-05-06")
    elsewhere = promote_lead(contract_lead(other_organization, local_phone="561231239"), by=staff_actor,
                             date_of_birth="1983-05-06")

    assert (first.patient_number, second.patient_number, third.patient_number) == (1, 2, 3)
    assert elsewhere.patient_number == 1


def test_a_refused_promotion_hands_no_number_out(organization, staff_actor):
    lead = contract_lead(organization, local_phone="561231231")
    with pytest.raises(LeadIncompleteError):
        promote_lead(lead, by=staff_actor)

    assert promote_lead(lead, by=staff_actor, date_of_birth="1980-05-06").patient_number == 1


# Concurrency (PostgreSQL) --------------------------------------------------------------------------

def run_together(functions):
    """Run each function in its own thread and database connection, all released at once."""
    barrier = threading.Barrier(len(functions))
    results = [None] * len(functions)

    def run(index, function):
        try:
            barrier.wait(timeout=10)
            results[index] = function()
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test checks
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_promotions_get_distinct_increasing_numbers(organization, staff_actor):
    PatientFactory(organization=organization)  # number 1
    leads = [contract_lead(organization, full_name=f"Lead Family{i}", local_phone=f"5612312{i:02d}")
             for i in range(8)]

    def promoter(lead, born):
        return lambda: promote_lead(lead, by=staff_actor, date_of_birth=born).patient_number

    results = run_together([promoter(lead, f"19{60 + i}-01-01") for i, lead in enumerate(leads)])

    assert sorted(results) == list(range(2, 10)), results
    stored = Patient.objects.for_organization(organization).order_by("promoted_at")
    assert sorted(stored.values_list("patient_number", flat=True)) == list(range(1, 10))
    assert counter(organization) == 9


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_same_lead_promoted_twice_at_once_is_promoted_once(organization, staff_actor):
    lead = contract_lead(organization, local_phone="561231231")

    def promoter():
        return promote_lead(Patient.objects.get(pk=lead.pk), by=staff_actor, date_of_birth="1980-05-06")

    results = run_together([promoter, promoter])

    promoted = [r for r in results if isinstance(r, Patient)]
    refused = [r for r in results if isinstance(r, NotALeadError)]
    assert (len(promoted), len(refused)) == (1, 1), results
    assert promoted[0].patient_number == 1
    assert counter(organization) == 1
    assert Patient.objects.get(pk=lead.pk).history.filter(status="active").count() == 1
