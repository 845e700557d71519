"""GET and PATCH /api/v1/patients/{id}: same rules as creating, tenancy, query budgets."""

import uuid

import pytest

from patients.models import HealthCard, Patient, Verification
from tests.answers import body_without_request_id
from tests.api.patients_helpers import assert_error, create, detail_url, patch
from tests.factories import HealthCardFactory, PatientFactory, ProviderFactory


@pytest.fixture
def patient(api, body):
    body.update({"hcCard": {"number": "9876543217", "province": "ON"}, "verifications": {"email": "verified"}})
    return Patient.objects.get(pk=create(api, body).json()["id"])


def test_read_answers_the_same_shape_as_create(api, body):
    created = create(api, body).json()

    response = api.get(detail_url(created["id"]))

    assert response.status_code == 200
    assert response.json() == {**created, "updatedAt": response.json()["updatedAt"]}


def test_another_organizations_patient_is_a_404_like_a_missing_one(api, other_organization):
    theirs = PatientFactory(organization=other_organization)

    foreign = api.get(detail_url(theirs.pk))
    missing = api.get(detail_url(uuid.uuid4()))

    assert_error(foreign, 404, "not_found")
    assert body_without_request_id(foreign) == body_without_request_id(missing)


def test_reading_needs_a_key(client, patient):
    assert_error(client.get(detail_url(patient.pk)), 401)


class TestPatch:
    def test_changes_only_the_fields_sent(self, api, patient):
        response = patch(api, patient.pk, {"lastName": "Smith", "hasInsurance": True})

        assert response.status_code == 200, response.content
        data = response.json()
        assert (data["firstName"], data["lastName"], data["hasInsurance"]) == ("Jane", "Smith", True)
        assert data["hcCard"]["number"] == "9876543217"
        patient.refresh_from_db()
        assert patient.family_name == "Smith"
        assert patient.history.first().history_actor == "API key: EMR bridge"

    def test_same_rules_as_create(self, api, patient):
        response = patch(api, patient.pk, {"dateOfBirth": "2999-01-01", "phone": "CALL-ME", "hcCard": {
            "number": "9876543210", "province": "ON"}})

        assert_error(response, 400, "invalid", ["dateOfBirth", "phone", "hcCard.number"])
        patient.refresh_from_db()
        assert str(patient.date_of_birth) == "1985-04-12"

    def test_clearing_a_required_field_is_refused(self, api, patient):
        assert_error(patch(api, patient.pk, {"firstName": ""}), 400, "invalid", ["firstName"])

    def test_a_new_email_resets_its_verification_and_username(self, api, patient):
        data = patch(api, patient.pk, {"email": "jane.new@example.com"}).json()

        assert data["username"] == "jane.new@example.com#maple"
        assert data["verifications"]["email"] == "unverified"
        assert Verification.objects.get(patient=patient, channel="email").destination == "jane.new@example.com"

    def test_trusted_caller_may_state_verified(self, api, patient):
        data = patch(api, patient.pk, {"verifications": {"phone": "verified"}}).json()
        assert data["verifications"] == {"email": "verified", "phone": "verified"}
        assert Verification.objects.get(patient=patient, channel="phone").method == "external"

    def test_null_health_card_removes_it(self, api, patient):
        assert patch(api, patient.pk, {"hcCard": None}).json()["hcCard"] is None
        assert not HealthCard.objects.filter(patient=patient).exists()

    def test_email_of_another_patient_is_409(self, api, patient, organization):
        PatientFactory(organization=organization, email="taken@example.com")

        assert_error(patch(api, patient.pk, {"email": "TAKEN@example.com"}), 409, "conflict", ["email"])
        patient.refresh_from_db()
        assert patient.email == "jane.doe@example.com"

    def test_health_card_of_another_patient_is_409(self, api, patient, organization):
        HealthCardFactory(patient=PatientFactory(organization=organization), number="9287170261", province="ON")

        response = patch(api, patient.pk, {"hcCard": {"number": "9287170261", "province": "ON"}})

        assert_error(response, 409, "conflict", ["hcCard.number"])

    def test_another_organizations_patient_cannot_be_changed(self, other_api, patient):
        response = patch(other_api, patient.pk, {"lastName": "Hacked"})

        assert_error(response, 404, "not_found")
        patient.refresh_from_db()
        assert patient.family_name == "Doe"

    def test_an_answer_sent_back_as_it_is_changes_nothing(self, api, patient):
        answer = api.get(detail_url(patient.pk)).json()

        response = patch(api, patient.pk, answer)

        assert response.status_code == 200, response.content
        assert response.json()["lastName"] == "Doe"


def test_read_stays_within_the_query_budget(api, patient, django_assert_max_num_queries):
    # The key (and its last use), the patient with its health card, providers, groups, verifications,
    # the access event.
    with django_assert_max_num_queries(7):
        assert api.get(detail_url(patient.pk)).status_code == 200


def test_patch_stays_within_the_query_budget(api, patient, organization, django_assert_max_num_queries):
    providers = ProviderFactory.create_batch(2, organization=organization)
    changes = {"lastName": "Smith", "providers": [str(p.pk) for p in providers],
               "hcCard": {"number": "9287170261", "versionCode": "DK", "province": "ON"}}

    # Measured 17 (+1 when the key's last use is written): the key, the patient, provider checks, the
    # patient and its history, the provider links, the health card and its history, the access event
    # (change), the answer re-read; the family name changed, so its duplicate pairs are found again (2).
    with django_assert_max_num_queries(21):
        response = patch(api, patient.pk, changes)

    assert response.status_code == 200, response.content
