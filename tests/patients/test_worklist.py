"""The duplicates worklist: which pairs the set-based build finds, dismissals, keeping it current."""

from datetime import date

import pytest
from django.db import connection

from patients.actors import Actor
from patients.errors import PatientConflictError
from patients.importing import import_actor, import_patients
from patients.merging.models import DuplicatePair
from patients.merging.services import merge_patients
from patients.merging.worklist import build_worklist, dismiss_pair, open_pairs, refresh_pairs_of
from patients.models import Channel, Patient
from patients.services import register_patient, update_patient
from tests.factories import LeadFactory, PatientFactory
from tests.patients.test_importing import csv_lines

pytestmark = pytest.mark.django_db
BORN = date(1980, 5, 6)


@pytest.fixture
def actor(owner):
    return Actor.for_user(owner, Channel.ADMIN)


def pairs(organization=None):
    found = open_pairs()
    if organization is not None:
        found = found.filter(organization=organization)
    return {(frozenset((p.patient_a_id, p.patient_b_id)), tuple(p.reasons)) for p in found}


def test_same_family_name_and_birth_date_is_a_pair(organization):
    a = PatientFactory(organization=organization, family_name="Haddad", date_of_birth=BORN)
    b = PatientFactory(organization=organization, family_name="HADDAD", date_of_birth=BORN)

    result = build_worklist(organization)

    assert result.pairs == 1
    assert pairs() == {(frozenset((a.pk, b.pk)), ("same family name and date of birth",))}


def test_a_lead_with_a_patients_phone_is_a_pair_but_a_household_is_not(organization):
    mother = PatientFactory(organization=organization, family_name="Lima", phone="+14165550100",
                            date_of_birth=date(1970, 1, 1))
    PatientFactory(organization=organization, family_name="Lima", phone="+14165550100", date_of_birth=date(2005, 1, 1))
    lead = LeadFactory(organization=organization, family_name="", phone="+14165550100")
    other_org_twin = LeadFactory(phone="+14165550100")

    build_worklist()

    found = pairs(organization)
    assert (frozenset((mother.pk, lead.pk)), ("same phone",)) in found
    assert len(found) == 2  # the lead with each of them; mother and child are not one person
    assert not DuplicatePair.objects.filter(patient_a=other_org_twin).exists()
    assert not DuplicatePair.objects.filter(patient_b=other_org_twin).exists()


def test_a_phone_shared_by_a_switchboard_pairs_nobody(organization):
    for _ in range(21):
        PatientFactory(organization=organization, phone="+14165550100", date_of_birth=BORN)
    assert build_worklist(organization).pairs == 0


def test_merged_and_archived_records_are_left_out(organization, actor):
    a, b = (PatientFactory(organization=organization, family_name="Roy", date_of_birth=BORN) for _ in range(2))
    build_worklist(organization)
    merge_patients(merged=b, survivor=a, actor=actor)

    assert pairs() == set()
    assert build_worklist(organization).pairs == 0


def test_a_dismissed_pair_never_comes_back(organization, actor):
    PatientFactory(organization=organization, family_name="Roy", date_of_birth=BORN)
    PatientFactory(organization=organization, family_name="Roy", date_of_birth=BORN)
    build_worklist(organization)

    dismiss_pair(DuplicatePair.objects.get(), actor=actor)
    build_worklist(organization)
    refresh_pairs_of(DuplicatePair.objects.get().patient_a_id)

    assert pairs() == set()
    pair = DuplicatePair.objects.get()
    assert pair.dismissed_at is not None and pair.dismissed_by_label == "owner (Admin)"


def test_a_new_registration_finds_its_pairs_in_its_own_transaction(organization):
    known = PatientFactory(organization=organization, phone="+14165550123", date_of_birth=BORN)

    lead = register_patient(organization, {"given_name": "Jo", "gender": "Female", "calling_code": "+1",
                                           "local_phone": "416 555 0123"},
                            actor=Actor(channel=Channel.API), as_lead=True)

    assert pairs() == {(frozenset((known.pk, lead.pk)), ("same phone",))}


def test_a_refused_registration_leaves_no_pair(organization):
    PatientFactory(organization=organization, phone="+14165550123", date_of_birth=BORN, email="taken@example.com")

    with pytest.raises(PatientConflictError):
        register_patient(organization, {"given_name": "Jo", "family_name": "Roy", "gender": "Female",
                                         "date_of_birth": BORN, "phone": "+14165550123", "email": "taken@example.com"},
                         actor=Actor(channel=Channel.API), with_account=True)

    assert DuplicatePair.objects.count() == 0


def test_an_edit_that_gives_a_patient_anothers_phone_pairs_them(organization, actor):
    known = PatientFactory(organization=organization, phone="+14165550123", date_of_birth=BORN)
    other = PatientFactory(organization=organization, phone="+14165550999", date_of_birth=BORN)

    update_patient(other, {"phone": "+14165550123"}, actor=actor)

    assert pairs() == {(frozenset((known.pk, other.pk)), ("same phone", "same date of birth"))}


def test_an_import_told_to_keep_possible_duplicates_puts_them_on_the_worklist(organization):
    known = PatientFactory(organization=organization, family_name="Haddad", date_of_birth=BORN)
    rows = [["Ana", "Haddad", "female", BORN.isoformat(), "", "(416) 555-0101", "ON", "", "", ""],
            ["Rui", "Lima", "male", "1990-01-01", "", "(416) 555-0177", "ON", "", "", ""],
            ["Bia", "Lima", "female", "1990-01-01", "", "(416) 555-0178", "ON", "", "", ""]]

    report = import_patients(organization, csv_lines(rows), actor=import_actor(None, command=True),
                             allow_possible_duplicates=True)  # imported as asked; reviewed on the worklist

    assert report.ok
    imported = {p.given_name: p.pk for p in Patient.objects.for_organization(organization).exclude(pk=known.pk)}
    assert pairs() == {
        (frozenset((known.pk, imported["Ana"])), ("same family name and date of birth",)),
        (frozenset((imported["Rui"], imported["Bia"])), ("same family name and date of birth",)),
    }


def test_refreshing_one_record_drops_the_pairs_it_no_longer_has(organization):
    a = PatientFactory(organization=organization, family_name="Roy", date_of_birth=BORN)
    b = PatientFactory(organization=organization, family_name="Roy", date_of_birth=BORN)
    build_worklist(organization)
    type(b).objects.filter(pk=b.pk).update(family_name_key="tremblay")

    refresh_pairs_of(b.pk)

    assert pairs() == set() and a.pk


def test_a_family_name_and_birth_date_shared_by_more_than_twenty_records_pairs_nobody(organization):
    crowd = PatientFactory.create_batch(21, organization=organization, family_name="Roy", date_of_birth=BORN)
    assert build_worklist(organization).pairs == 0

    crowd[0].delete()  # 20 left: each two of them are a pair again

    assert build_worklist(organization).pairs == 190


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL only")
def test_a_new_registrations_pairs_are_a_prepared_statement(organization):
    for i in range(6):
        register_patient(organization, {"given_name": "Jo", "gender": "Female", "calling_code": "+1",
                                        "local_phone": f"416 555 01{i:02d}"},
                         actor=Actor(channel=Channel.API), as_lead=True)

    with connection.cursor() as cursor:
        cursor.execute("SELECT generic_plans + custom_plans FROM pg_prepared_statements "
                       "WHERE statement LIKE %s", ["%INSERT INTO patients_duplicatepair%"])
        executions = [row[0] for row in cursor.fetchall()]
    assert executions and max(executions) >= 6
