"""archive_patient / restore_patient: audited status changes; archived records cannot sign in."""

import pytest

from patients import accounts
from patients.actors import Actor
from patients.errors import MergeRefusedError
from patients.merging.archiving import archive_patient, restore_patient
from patients.merging.services import merge_patients
from patients.models import Channel, Patient
from tests.factories import LeadFactory, PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor(member):
    return Actor.for_user(member, Channel.ADMIN)


def test_archive_then_restore_a_patient_with_history(organization, actor):
    patient = PatientFactory(organization=organization)

    archive_patient(patient, actor=actor, reason="Moved away")
    assert Patient.objects.get(pk=patient.pk).status == Patient.Status.ARCHIVED
    restore_patient(patient, actor=actor)

    stored = Patient.objects.get(pk=patient.pk)
    assert stored.status == Patient.Status.ACTIVE and stored.patient_number == patient.patient_number
    reasons = [r.history_change_reason for r in Patient.history.filter(id=patient.pk).order_by("history_date")]
    assert reasons[-2:] == ["Archived: Moved away", "Restored"]
    assert Patient.history.filter(id=patient.pk).latest("history_date").history_channel == "admin"


def test_a_restored_lead_is_a_lead_again(organization, actor):
    lead = LeadFactory(organization=organization)
    archive_patient(lead, actor=actor)
    restore_patient(lead, actor=actor)
    assert Patient.objects.get(pk=lead.pk).status == Patient.Status.LEAD


def test_an_archived_patient_cannot_use_its_token(organization, actor):
    patient = PatientFactory(organization=organization)
    _, raw = accounts.issue_token(patient)
    archive_patient(patient, actor=actor)
    assert accounts.patient_for_token(raw) is None


@pytest.mark.parametrize("twice", ["archive", "restore"])
def test_archiving_twice_or_restoring_an_active_patient_is_refused(organization, actor, twice):
    patient = PatientFactory(organization=organization)
    if twice == "archive":
        archive_patient(patient, actor=actor)
        with pytest.raises(MergeRefusedError) as refused:
            archive_patient(patient, actor=actor)
        assert refused.value.code == "already_archived"
    else:
        with pytest.raises(MergeRefusedError) as refused:
            restore_patient(patient, actor=actor)
        assert refused.value.code == "not_archived"


def test_a_merged_record_cannot_be_archived(organization, actor):
    survivor, merged = PatientFactory(organization=organization), PatientFactory(organization=organization)
    merge_patients(merged=merged, survivor=survivor, actor=actor)
    with pytest.raises(MergeRefusedError) as refused:
        archive_patient(merged, actor=actor)
    assert refused.value.code == "merged"
