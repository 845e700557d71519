"""The organization's registration policy as the one registration service enforces it: what a full
patient needs beyond the base, and how a lead must be reachable (register, update, promotion)."""

import pytest

from patients.errors import LeadIncompleteError, PatientRuleError
from patients.models import Patient
from patients.services import (
    missing_for_full_patient,
    missing_for_promotion,
    promote_lead,
    register_patient,
    update_patient,
)
from tests.patients.registration_data import person, refused

pytestmark = pytest.mark.django_db

CARD = {"number": "9876543217", "version_code": "AB", "province": "ON"}
BY_CLINIC = ["Required by this clinic."]


@pytest.fixture
def strict(organization):
    organization.required_fields = ["email", "province", "health_card"]
    organization.save()
    return organization


def test_the_base_asks_for_none_of_the_policy_fields(organization, staff_actor):
    patient = register_patient(organization, person(email="", province=""), actor=staff_actor)
    assert patient.status == Patient.Status.ACTIVE
    assert missing_for_full_patient(organization, {}) == ["given_name", "family_name", "date_of_birth", "gender",
                                                          "phone"]


def test_a_clinic_requires_more_of_a_full_patient(strict, staff_actor):
    errors = refused(lambda: register_patient(strict, person(email="", province=""), actor=staff_actor))
    assert errors == {"email": BY_CLINIC, "province": BY_CLINIC, "health_card": BY_CLINIC}
    assert missing_for_full_patient(strict, {})[-3:] == ["email", "province", "health_card"]

    patient = register_patient(strict, person(health_card=CARD), actor=staff_actor)
    assert patient.health_card.number == CARD["number"]


def test_base_fields_keep_their_own_message(strict, staff_actor):
    errors = refused(lambda: register_patient(strict, person(given_name="", health_card=CARD), actor=staff_actor))
    assert errors == {"given_name": ["This field is required."]}


def test_a_lead_is_not_held_to_the_full_patient_policy(strict, staff_actor):
    lead = register_patient(strict, {"full_name": "Marie Tremblay", "gender": "female"}, actor=staff_actor,
                            as_lead=True)
    assert lead.status == Patient.Status.LEAD


@pytest.mark.parametrize(("rule", "data", "errors"), [
    ("phone", {"email": "m@example.com"}, {"phone": BY_CLINIC}),
    ("phone", {"calling_code": "+1", "local_phone": ""}, {"local_phone": BY_CLINIC}),
    ("email", {"phone": "416 555 0123"}, {"email": BY_CLINIC}),
    ("phone-or-email", {}, {"phone": ["Required by this clinic: a phone or an email."],
                            "email": ["Required by this clinic: a phone or an email."]}),
])
def test_a_clinic_says_how_a_lead_must_be_reachable(organization, staff_actor, rule, data, errors):
    organization.lead_requires = rule
    organization.save()
    lead = {"full_name": "Marie Tremblay", "gender": "female", **data}
    assert refused(lambda: register_patient(organization, lead, actor=staff_actor, as_lead=True)) == errors


@pytest.mark.parametrize(("rule", "data"), [
    ("nothing", {}),
    ("phone", {"phone": "416 555 0123"}),
    ("phone", {"calling_code": "+971", "local_phone": "56"}),  # a lead's phone is checked at promotion
    ("email", {"email": "m@example.com"}),
    ("phone-or-email", {"email": "m@example.com"}),
    ("phone-or-email", {"phone": "416 555 0123"}),
])
def test_a_reachable_lead_is_registered(organization, staff_actor, rule, data):
    organization.lead_requires = rule
    organization.save()
    lead = register_patient(organization, {"full_name": "Marie Tremblay", "gender": "female", **data},
                            actor=staff_actor, as_lead=True)
    assert lead.status == Patient.Status.LEAD


def test_an_update_cannot_clear_what_the_clinic_requires(strict, staff_actor):
    patient = register_patient(strict, person(health_card=CARD), actor=staff_actor)
    with pytest.raises(PatientRuleError) as caught:
        update_patient(patient, {"province": "", "health_card": None}, actor=staff_actor)
    assert caught.value.errors == {"province": BY_CLINIC, "health_card": BY_CLINIC}


def test_an_update_of_a_patient_registered_before_the_policy_changes_other_fields(organization, staff_actor):
    patient = register_patient(organization, person(email="", province=""), actor=staff_actor)
    organization.required_fields = ["email", "province", "health_card"]
    organization.save()
    updated = update_patient(patient, {"given_name": "Anna"}, actor=staff_actor)
    assert updated.given_name == "Anna"


def test_promotion_needs_what_the_clinic_requires(strict, staff_actor):
    lead = register_patient(strict, {"full_name": "Marie Tremblay", "gender": "female", "phone": "416 555 0123",
                                     "date_of_birth": "1980-05-06"}, actor=staff_actor, as_lead=True)
    assert missing_for_promotion(lead) == ["email", "province", "health_card"]
    with pytest.raises(LeadIncompleteError) as caught:
        promote_lead(lead, by=staff_actor, email="marie@example.com")
    assert caught.value.missing == ["province", "health_card"]
    assert caught.value.errors == {"province": BY_CLINIC, "health_card": BY_CLINIC}

    promoted = promote_lead(lead, by=staff_actor, email="marie@example.com", province="ON", health_card=CARD)
    assert (promoted.status, promoted.patient_number) == (Patient.Status.ACTIVE, 1)


def test_a_clinic_may_require_the_preferred_language(organization, staff_actor):
    organization.required_fields = ["preferred_language"]
    organization.save()
    errors = refused(lambda: register_patient(organization, person(), actor=staff_actor))
    assert errors == {"preferred_language": BY_CLINIC}
    assert register_patient(organization, person(preferred_language="fr"), actor=staff_actor).preferred_language == "fr"
