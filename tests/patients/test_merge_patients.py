"""merge_patients: what the survivor keeps, what moves, what is refused; on SQLite and PostgreSQL."""

from datetime import date

import pytest
from django.contrib.auth.hashers import make_password

from patients import accounts
from patients.actors import Actor
from patients.errors import (
    AlreadyMergedError,
    HealthCardConflictError,
    MergeChainError,
    MergeRefusedError,
    PatientRuleError,
    SignInError,
)
from patients.merging.models import PatientMerge
from patients.merging.services import default_survivor, merge_patients
from patients.models import Channel, HealthCard, Patient, Verification
from patients.services import update_patient
from tests.factories import HealthCardFactory, LeadFactory, PatientFactory, PatientGroupFactory, ProviderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor(member):
    return Actor.for_user(member, Channel.INTAKE)


@pytest.fixture
def survivor(organization):
    return PatientFactory(organization=organization, given_name="Omar", family_name="Haddad", email="omar@example.com",
                          phone="+14165550101", date_of_birth=date(1980, 5, 6), province="", referrer="")


@pytest.fixture
def lead(organization):
    return LeadFactory(organization=organization, given_name="Omar", family_name="Hadad", email="",
                       phone="", calling_code="+1", local_phone="416 555 0199", province="ON",
                       referrer="web form")


def merge(merged, survivor, actor, **kwargs):
    return merge_patients(merged=merged, survivor=survivor, actor=actor, **kwargs)


def test_a_lead_fills_only_what_the_patient_lacks_by_default(lead, survivor, actor):
    record = merge(lead, survivor, actor, reason="Called back: same person")

    survivor.refresh_from_db()
    lead.refresh_from_db()
    assert (survivor.family_name, survivor.email, str(survivor.phone)) == ("Haddad", "omar@example.com",
                                                                          "+14165550101")
    assert (survivor.province, survivor.referrer) == ("ON", "web form")  # the patient had none
    assert sorted(record.fields_set) == ["province", "referrer"]
    assert lead.status == Patient.Status.MERGED and lead.merged_into_id == survivor.pk
    assert lead.family_name == "Hadad"  # nothing deleted: the merged record keeps its own values


def test_staff_choose_per_field(lead, survivor, actor):
    merge(lead, survivor, actor, keep={"family_name": "merged", "phone": "merged", "province": "survivor"})

    survivor.refresh_from_db()
    assert survivor.family_name == "Hadad" and survivor.full_name == "Omar Hadad"
    assert str(survivor.phone) == "+14165550199"  # the lead's phone as sent, now as a valid number
    assert survivor.province == ""


def test_the_survivor_may_take_the_merged_records_email_and_emr_id(organization, actor):
    older = PatientFactory(organization=organization, emr_id=None)
    newer = PatientFactory(organization=organization, email="new@example.com", emr_id=77)

    merge(newer, older, actor, keep={"email": "merged", "emr_id": "merged"})

    older.refresh_from_db()
    assert (older.email, older.username, older.emr_id) == ("new@example.com", newer.username, 77)


def test_one_history_row_on_each_record_says_who_which_door_and_why(lead, survivor, actor):
    merge(lead, survivor, actor, reason="Same caller")

    for patient, text in ((survivor, "into this record: Same caller"), (lead, "Merged into")):
        row = Patient.history.filter(id=patient.pk).latest("history_date")
        assert text in row.history_change_reason
        assert (row.history_actor, row.history_channel, row.history_user) == ("member (Intake form)", "intake",
                                                                              actor.user)
    assert Patient.history.filter(id=survivor.pk).count() == 2  # created, merged


def test_the_merge_record_remembers_who_when_door_and_both_records(lead, survivor, actor):
    record = merge(lead, survivor, actor, reason="Same caller")

    stored = PatientMerge.objects.get()
    assert (stored.merged_id, stored.survivor_id, stored.reason, stored.channel) == (lead.pk, survivor.pk,
                                                                                     "Same caller", "intake")
    assert stored.actor_user == actor.user and stored.undone_at is None
    assert stored.merged_before["status"] == "lead" and stored.survivor_before["province"] == ""
    assert record.pk == stored.pk


def test_providers_and_groups_move_to_the_survivor(organization, lead, survivor, actor):
    ada, ben = ProviderFactory.create_batch(2, organization=organization)
    group = PatientGroupFactory(organization=organization)
    lead.providers.add(ada, ben)
    lead.groups.add(group)
    survivor.providers.add(ada)

    merge(lead, survivor, actor)

    assert set(survivor.providers.all()) == {ada, ben}
    assert list(survivor.groups.all()) == [group]
    assert not lead.providers.exists() and not lead.groups.exists()


def test_a_verified_channel_stays_verified_only_if_its_address_is_kept(organization, actor):
    older = PatientFactory(organization=organization, email="", phone="+14165550101")
    newer = PatientFactory(organization=organization, email="n@example.com", phone="+14165550102")
    for patient in (older, newer):
        for channel in ("email", "phone"):
            Verification.objects.create(organization=organization, patient=patient, channel=channel,
                                        status="verified", destination=str(getattr(patient, channel)),
                                        method="in_person")

    merge(newer, older, actor, keep={"phone": "merged"})  # the email fills the gap; the phone is chosen

    states = {v.channel: (v.status, v.destination) for v in older.verifications.all()}
    assert states == {"email": ("verified", "n@example.com"), "phone": ("verified", "+14165550102")}


def test_a_new_address_without_a_verification_is_unverified(lead, survivor, actor):
    Verification.objects.create(organization=survivor.organization, patient=survivor, channel="phone",
                                status="verified", destination="+14165550101", method="in_person")

    merge(lead, survivor, actor, keep={"phone": "merged"})

    phone = survivor.verifications.get(channel="phone")
    assert (phone.status, phone.destination) == ("unverified", "+14165550199")


def test_the_merged_records_card_moves_when_the_survivor_has_none(lead, survivor, actor):
    card = HealthCardFactory(patient=lead, number="9876543217", province="ON")

    merge(lead, survivor, actor)

    card.refresh_from_db()
    assert card.patient_id == survivor.pk


def test_two_cards_of_one_province_are_a_conflict_staff_must_resolve(organization, lead, survivor, actor):
    HealthCardFactory(patient=lead, number="9876543217", province="ON")
    HealthCardFactory(patient=survivor, number="9287170261", province="ON")

    with pytest.raises(HealthCardConflictError) as refused:
        merge(lead, survivor, actor)

    assert refused.value.status_code == 409 and "ON" in refused.value.message
    assert Patient.objects.get(pk=lead.pk).status == Patient.Status.LEAD  # nothing written
    assert not PatientMerge.objects.exists()


def test_choosing_the_merged_card_exchanges_the_two_and_deletes_none(lead, survivor, actor):
    HealthCardFactory(patient=lead, number="9876543217", province="ON")
    HealthCardFactory(patient=survivor, number="9287170261", province="ON")

    merge(lead, survivor, actor, keep={"health_card": "merged"})

    assert HealthCard.objects.get(patient=survivor).number == "9876543217"
    assert HealthCard.objects.get(patient=lead).number == "9287170261"
    assert HealthCard.objects.count() == 2


def test_cards_of_different_provinces_keep_the_survivors_by_default(lead, survivor, actor):
    HealthCardFactory(patient=lead, number="9876543217", province="ON")
    HealthCardFactory(patient=survivor, number="1234567", province="BC", version_code="")

    merge(lead, survivor, actor)

    assert HealthCard.objects.get(patient=survivor).province == "BC"


def test_the_merged_records_tokens_are_revoked_and_its_password_not_carried(organization, actor):
    older = PatientFactory(organization=organization, password="")
    newer = PatientFactory(organization=organization, password=make_password("Maple-Syrup-2024!"))
    username = newer.username = f"{newer.email}#{organization.slug}"
    newer.save()
    _, raw = accounts.issue_token(newer)

    merge(newer, older, actor, keep={"email": "merged"})

    assert accounts.patient_for_token(raw) is None
    older.refresh_from_db()
    assert older.password == "" and older.username == username
    with pytest.raises(SignInError):  # the survivor has no password; the merged record is closed
        accounts.sign_in(username, "Maple-Syrup-2024!")


def test_merging_an_already_merged_record_is_refused(organization, lead, survivor, actor):
    merge(lead, survivor, actor)
    other = PatientFactory(organization=organization)

    with pytest.raises(AlreadyMergedError) as refused:
        merge(lead, other, actor)
    assert refused.value.code == "already_merged"


def test_merging_into_a_merged_record_would_make_a_chain(organization, lead, survivor, actor):
    merge(lead, survivor, actor)
    third = PatientFactory(organization=organization)

    with pytest.raises(MergeChainError):
        merge(third, lead, actor)


def test_merging_a_survivor_away_would_make_a_chain(organization, lead, survivor, actor):
    merge(lead, survivor, actor)
    third = PatientFactory(organization=organization)

    with pytest.raises(MergeChainError) as refused:
        merge(survivor, third, actor)
    assert refused.value.code == "would_make_chain"


def test_a_patient_cannot_be_merged_into_a_lead_nor_into_itself(lead, survivor, actor):
    with pytest.raises(MergeRefusedError) as refused:
        merge(survivor, lead, actor)
    assert refused.value.code == "survivor_is_lead"
    with pytest.raises(MergeRefusedError):
        merge(survivor, survivor, actor)


def test_bad_keep_is_a_field_error_and_writes_nothing(lead, survivor, actor):
    with pytest.raises(PatientRuleError) as refused:
        merge(lead, survivor, actor, keep={"password": "merged", "email": "both"})

    assert set(refused.value.errors) == {"keep.password", "keep.email"}
    assert not PatientMerge.objects.exists()


def test_an_invalid_lead_phone_cannot_replace_a_patients_phone(organization, survivor, actor):
    lead = LeadFactory(organization=organization, phone="", calling_code="+1", local_phone="12")

    with pytest.raises(PatientRuleError) as refused:
        merge(lead, survivor, actor, keep={"phone": "merged"})
    assert "keep.phone" in refused.value.errors


def test_a_merged_record_cannot_be_edited(lead, survivor, actor):
    merge(lead, survivor, actor)

    with pytest.raises(MergeRefusedError) as refused:
        update_patient(lead, {"given_name": "Late"}, actor=actor)
    assert refused.value.code == "merged"


def test_the_survivor_is_the_older_record_and_a_patient_over_a_lead(organization, lead, survivor):
    newer = PatientFactory(organization=organization)
    assert default_survivor(newer, survivor) == survivor
    assert default_survivor(lead, newer) == newer  # the lead is older, the patient still survives


def test_a_merged_lead_keeps_no_number_and_a_merged_patient_its_own(organization, lead, survivor, actor):
    newer = PatientFactory(organization=organization)
    number = newer.patient_number
    merge(lead, survivor, actor)
    merge(newer, survivor, actor)

    lead.refresh_from_db()
    newer.refresh_from_db()
    assert lead.patient_number is None and newer.patient_number == number
    assert organization.allocate_patient_number() > number  # never handed out again
