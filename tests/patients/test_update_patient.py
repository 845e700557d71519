"""update_patient: the same rules as registration, plus what an update must not undo."""

import pytest

from patients.actors import Actor
from patients.errors import PatientConflictError, PatientRuleError
from patients.models import Channel, HealthCard, Patient, Verification
from patients.services import register_patient, update_patient
from tests.factories import HealthCardFactory, PatientFactory, ProviderFactory
from tests.patients.registration_data import PASSWORD, person, refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(organization, staff_actor):
    return register_patient(organization, person(password=PASSWORD), actor=staff_actor)


def unchanged(patient, call, error=PatientRuleError):
    before = Patient.objects.filter(pk=patient.pk).values().get()
    errors = refused(call, error)
    assert Patient.objects.filter(pk=patient.pk).values().get() == before
    return errors


def test_update_changes_only_the_fields_sent(patient, staff_actor):
    update_patient(patient, {"preferred_name": "Aninha", "phone": "+1 416 555 0199"}, actor=staff_actor)
    patient.refresh_from_db()
    assert patient.preferred_name == "Aninha" and str(patient.phone) == "+14165550199"
    assert patient.given_name == "Ana" and patient.email == "Ana.Lima@example.com"
    assert "aninha" in patient.search_name


@pytest.mark.parametrize("changes, field", [
    ({"email": "nope"}, "email"), ({"phone": "call me"}, "phone"), ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
    ({"gender": "robot"}, "gender"), ({"province": "ZZ"}, "province"), ({"username": "someone"}, "username"),
    ({"unread_notifications": -3}, "unread_notifications"), ({"roles": ["admin"]}, "roles"),
])
def test_update_applies_the_same_rules(patient, staff_actor, changes, field):
    assert field in unchanged(patient, lambda: update_patient(patient, changes, actor=staff_actor))


@pytest.mark.parametrize("field, empty", [
    ("given_name", ""), ("family_name", "   "), ("phone", ""), ("date_of_birth", None), ("gender", ""),
])
def test_update_refuses_clearing_a_required_field(patient, staff_actor, field, empty):
    assert field in unchanged(patient, lambda: update_patient(patient, {field: empty}, actor=staff_actor))


def test_update_may_clear_an_optional_field(patient, staff_actor):
    update_patient(patient, {"province": "", "referrer": None}, actor=staff_actor)
    patient.refresh_from_db()
    assert patient.province == "" and patient.referrer == ""


def test_update_to_another_patients_email_is_a_conflict(organization, patient, staff_actor):
    register_patient(organization, person(email="bo@example.com", phone="416 555 0111"), actor=staff_actor)
    errors = unchanged(patient, lambda: update_patient(patient, {"email": "BO@example.com"}, actor=staff_actor),
                       PatientConflictError)
    assert list(errors) == ["email"]


def test_update_to_another_patients_health_card_is_a_conflict(organization, patient, staff_actor):
    HealthCardFactory(patient=PatientFactory(organization=organization), number="9876543217", province="ON")
    errors = unchanged(patient, lambda: update_patient(
        patient, {"health_card": {"number": "9876543217", "province": "ON"}}, actor=staff_actor),
        PatientConflictError)
    assert list(errors) == ["health_card.number"]
    assert not HealthCard.objects.filter(patient=patient).exists()


def test_update_self_service_may_not_set_trusted_fields(patient):
    actor = Actor(channel=Channel.PATIENT, patient=patient)
    assert "emr_id" in unchanged(patient, lambda: update_patient(patient, {"emr_id": 1}, actor=actor))


def test_email_change_moves_the_username_and_resets_only_the_email_verification(patient, api_key):
    actor = Actor.for_api_key(api_key)
    update_patient(patient, {"verifications": {"email": "verified", "phone": "verified"}}, actor=actor)
    update_patient(patient, {"email": "ana@newmail.com"}, actor=actor)
    patient.refresh_from_db()
    assert patient.username == "ana@newmail.com#maple"
    email_check = patient.verifications.get(channel="email")
    assert (email_check.status, email_check.method, email_check.verified_at, email_check.verified_by_label) == (
        Verification.Status.UNVERIFIED, "", None, "")
    assert email_check.destination == "ana@newmail.com"
    assert patient.verifications.get(channel="phone").status == Verification.Status.VERIFIED


def test_phone_change_resets_only_the_phone_verification(patient, api_key):
    actor = Actor.for_api_key(api_key)
    update_patient(patient, {"verifications": {"email": "verified", "phone": "verified"}}, actor=actor)
    update_patient(patient, {"phone": "416-555-0177"}, actor=actor)
    assert patient.verifications.get(channel="phone").status == Verification.Status.UNVERIFIED
    assert patient.verifications.get(channel="phone").destination == "+14165550177"
    assert patient.verifications.get(channel="email").status == Verification.Status.VERIFIED


def test_same_phone_typed_differently_keeps_its_verification(patient, api_key):
    actor = Actor.for_api_key(api_key)
    update_patient(patient, {"verifications": {"phone": "verified"}}, actor=actor)
    update_patient(patient, {"phone": "+1 (416) 555-0123"}, actor=actor)
    assert patient.verifications.get(channel="phone").status == Verification.Status.VERIFIED


def test_update_can_replace_and_remove_the_health_card(patient, staff_actor):
    update_patient(patient, {"health_card": {"number": "9287170261", "version_code": "DK", "province": "ON"}},
                   actor=staff_actor)
    assert HealthCard.objects.get(patient=patient).number == "9287170261"
    update_patient(patient, {"health_card": None}, actor=staff_actor)
    assert not HealthCard.objects.filter(patient=patient).exists()


def test_update_links_only_the_organizations_providers(organization, other_organization, patient, api_key):
    mine, theirs = ProviderFactory(organization=organization), ProviderFactory(organization=other_organization)
    actor = Actor.for_api_key(api_key)
    update_patient(patient, {"providers": [str(mine.pk)]}, actor=actor)
    assert list(patient.providers.all()) == [mine]
    errors = unchanged(patient, lambda: update_patient(patient, {"providers": [str(theirs.pk)]}, actor=actor))
    assert errors == {"providers": [f"Unknown provider id: {theirs.pk}."]}
    assert list(patient.providers.all()) == [mine]


def test_a_failed_update_leaves_the_patient_object_as_stored(organization, patient, staff_actor):
    register_patient(organization, person(email="bo@example.com", phone="416 555 0111"), actor=staff_actor)
    with pytest.raises(PatientConflictError):
        update_patient(patient, {"email": "bo@example.com", "given_name": "Changed"}, actor=staff_actor)
    assert (patient.email, patient.given_name, patient.username) == (
        "Ana.Lima@example.com", "Ana", "ana.lima@example.com#maple")


def test_password_without_email_on_update_is_one_clear_message(organization, staff_actor):
    no_email = register_patient(organization, person(email=""), actor=staff_actor)
    errors = unchanged(no_email, lambda: update_patient(no_email, {"password": PASSWORD}, actor=staff_actor))
    assert errors == {"password": ["A patient account needs an email address."]}
