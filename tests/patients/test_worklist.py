"""The duplicates worklist: which pairs the set-based build finds, dismissals, keeping it current."""

from datetime import date

import pytest

from patients.actors import Actor
from patients.merging.models import DuplicatePair
from patients.merging.services import merge_patients
from patients.merging.worklist import build_worklist, dismiss_pair, open_pairs, refresh_pairs_of
from patients.models import Channel
from patients.services import register_patient
from tests.factories import LeadFactory, PatientFactory

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


def test_a_new_registration_finds_its_pairs_once_committed(organization, django_capture_on_commit_callbacks):
    known = PatientFactory(organization=organization, phone="+14165550123", date_of_birth=BORN)

    with django_capture_on_commit_callbacks(execute=True):
        lead = register_patient(organization, {"given_name": "Jo", "gender": "Female", "calling_code": "+1",
                                               "local_phone": "416 555 0123"},
                                actor=Actor(channel=Channel.API), as_lead=True)

    assert pairs() == {(frozenset((known.pk, lead.pk)), ("same phone",))}


def test_refreshing_one_record_drops_the_pairs_it_no_longer_has(organization):
    a = PatientFactory(organization=organization, family_name="Roy", date_of_birth=BORN)
    b = PatientFactory(organization=organization, family_name="Roy", date_of_birth=BORN)
    build_worklist(organization)
    type(b).objects.filter(pk=b.pk).update(family_name_key="tremblay")

    refresh_pairs_of(b.pk)

    assert pairs() == set() and a.pk
