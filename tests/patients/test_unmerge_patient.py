"""unmerge_patient: both records back as they were, later edits kept and named."""

from datetime import date

import pytest

from patients.actors import Actor
from patients.errors import MergeRefusedError
from patients.merging.models import PatientMerge
from patients.merging.services import merge_patients, unmerge_patient
from patients.models import Channel, HealthCard, Patient, PatientToken, Verification
from patients.services import update_patient
from tests.factories import HealthCardFactory, LeadFactory, PatientFactory, ProviderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor(member):
    return Actor.for_user(member, Channel.INTAKE)


@pytest.fixture
def survivor(organization):
    return PatientFactory(organization=organization, given_name="Omar", family_name="Haddad", email="",
                          phone="+14165550101", date_of_birth=date(1980, 5, 6), province="")


@pytest.fixture
def other(organization):
    return PatientFactory(organization=organization, given_name="Omar", family_name="Hadad",
                          email="o.hadad@example.com", phone="+14165550102", date_of_birth=date(1980, 5, 6),
                          province="ON")


def columns(patient):
    patient = Patient.objects.get(pk=patient.pk)
    return {f.attname: getattr(patient, f.attname) for f in Patient._meta.concrete_fields
            if f.attname not in ("updated_at",)}


def test_both_records_come_back_exactly(organization, survivor, other, actor):
    ada = ProviderFactory(organization=organization)
    other.providers.add(ada)
    HealthCardFactory(patient=other, number="9876543217", province="ON")
    Verification.objects.create(organization=organization, patient=other, channel="email", status="verified",
                                destination=other.email, method="in_person")
    before = {p.pk: columns(p) for p in (survivor, other)}

    merge_patients(merged=other, survivor=survivor, keep={"family_name": "merged"}, actor=actor)
    record = unmerge_patient(other, actor=actor, reason="Twins, not one person")

    assert record.kept_later_edits == []
    assert {p.pk: columns(p) for p in (survivor, other)} == before
    assert list(other.providers.all()) == [ada] and not survivor.providers.exists()
    assert HealthCard.objects.get(number="9876543217").patient_id == other.pk
    assert not survivor.verifications.exists()
    assert other.verifications.get().status == "verified"
    assert PatientMerge.objects.get().undone_at is not None


def test_later_edits_of_fields_the_merge_did_not_set_are_kept(survivor, other, actor):
    merge_patients(merged=other, survivor=survivor, keep={"family_name": "merged"}, actor=actor)
    update_patient(survivor, {"given_name": "Omer"}, actor=actor)

    record = unmerge_patient(other, actor=actor)

    survivor.refresh_from_db()
    assert survivor.given_name == "Omer" and survivor.family_name == "Haddad"
    assert record.kept_later_edits == []


def test_a_field_the_merge_set_and_someone_changed_later_keeps_the_later_value_and_says_so(
        survivor, other, actor):
    merge_patients(merged=other, survivor=survivor, keep={"family_name": "merged"}, actor=actor)
    update_patient(survivor, {"family_name": "Haddad-Khan", "email": "later@example.com"}, actor=actor)

    record = unmerge_patient(other, actor=actor)

    survivor.refresh_from_db()
    other.refresh_from_db()
    assert survivor.family_name == "Haddad-Khan" and survivor.email == "later@example.com"
    assert record.kept_later_edits == ["family_name", "email"]
    assert other.status == Patient.Status.ACTIVE and other.email == "o.hadad@example.com"


def test_the_exchanged_cards_go_back(survivor, other, actor):
    HealthCardFactory(patient=other, number="9876543217", province="ON")
    HealthCardFactory(patient=survivor, number="9287170261", province="ON")
    merge_patients(merged=other, survivor=survivor, keep={"health_card": "merged"}, actor=actor)

    unmerge_patient(other, actor=actor)

    assert HealthCard.objects.get(patient=survivor).number == "9287170261"
    assert HealthCard.objects.get(patient=other).number == "9876543217"


def test_a_card_changed_after_the_merge_stays_and_the_answer_says_so(survivor, other, actor):
    HealthCardFactory(patient=other, number="9876543217", province="ON")
    merge_patients(merged=other, survivor=survivor, actor=actor)
    update_patient(survivor, {"health_card": {"number": "9287170261", "province": "ON", "version_code": "DK"}},
                   actor=actor)

    record = unmerge_patient(other, actor=actor)

    assert record.kept_later_edits == ["health_card"]
    assert HealthCard.objects.get(patient=survivor).number == "9287170261"


def test_a_lead_goes_back_to_being_a_lead_without_a_number(organization, survivor, actor):
    lead = LeadFactory(organization=organization, phone="", local_phone="555 0199", calling_code="+1")
    merge_patients(merged=lead, survivor=survivor, actor=actor)

    unmerge_patient(lead, actor=actor)

    lead.refresh_from_db()
    assert (lead.status, lead.patient_number, lead.merged_into_id) == ("lead", None, None)


def test_history_has_one_row_on_each_record(survivor, other, actor):
    merge_patients(merged=other, survivor=survivor, actor=actor)
    unmerge_patient(other, actor=actor, reason="Not the same")

    for patient in (survivor, other):
        rows = Patient.history.filter(id=patient.pk).order_by("history_date")
        assert [r.history_change_reason for r in rows][-2:][1].endswith("undone: Not the same")
        assert rows.last().history_channel == "intake"


def test_tokens_stay_revoked(survivor, other, actor):
    from patients import accounts

    accounts.issue_token(other)
    merge_patients(merged=other, survivor=survivor, actor=actor)
    unmerge_patient(other, actor=actor)

    assert PatientToken.objects.get().revoked_at is not None


def test_a_record_that_is_not_merged_cannot_be_unmerged(survivor, actor):
    with pytest.raises(MergeRefusedError) as refused:
        unmerge_patient(survivor, actor=actor)
    assert refused.value.code == "not_merged"


def test_after_an_unmerge_the_record_may_be_merged_again(survivor, other, actor):
    merge_patients(merged=other, survivor=survivor, actor=actor)
    unmerge_patient(other, actor=actor)
    merge_patients(merged=other, survivor=survivor, actor=actor)

    assert PatientMerge.objects.filter(undone_at__isnull=True).count() == 1
    assert Patient.objects.get(pk=other.pk).merged_into_id == survivor.pk
