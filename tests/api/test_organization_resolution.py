"""Which organization a call is for: the key's (a header must agree), or a staff member's own."""

import pytest
from rest_framework.test import APIClient

from organizations.middleware import SESSION_KEY
from organizations.models import Membership
from patients.models import Patient, Verification
from tests.api.patients_helpers import PATIENTS_URL, assert_error, create, detail_url, patch
from tests.factories import MembershipFactory, PatientFactory, UserFactory

CSRF_TOKEN = "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6"  # any 32 letters and digits make a valid secret


def staff_client(user, organization=None) -> APIClient:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    if organization is not None:
        session = client.session
        session[SESSION_KEY] = str(organization.pk)
        session.save()
    return client


def with_csrf(client: APIClient) -> APIClient:
    client.cookies["csrftoken"] = CSRF_TOKEN
    client.credentials(HTTP_X_CSRFTOKEN=CSRF_TOKEN)
    return client


class TestApiKeyWithHeader:
    @pytest.mark.parametrize("header", ["id", "slug", "MAPLE", " maple "])
    def test_header_naming_the_keys_organization_is_accepted(self, api, body, organization, header):
        value = {"id": str(organization.pk), "slug": "maple"}.get(header, header)

        response = create(api, body, HTTP_X_ORGANIZATION_ID=value)

        assert response.status_code == 201, response.content
        assert Patient.objects.get().organization == organization

    @pytest.mark.parametrize("header", ["other-id", "birch", "no-such-clinic", "00000000-0000-0000-0000-000000000000"])
    def test_header_naming_another_organization_is_a_403(self, api, body, other_organization, header):
        value = str(other_organization.pk) if header == "other-id" else header

        response = create(api, body, HTTP_X_ORGANIZATION_ID=value)

        data = assert_error(response, 403, "permission_denied")
        assert "X-Organization-ID" in data["message"]
        assert Patient.objects.count() == 0

    def test_header_mismatch_is_refused_for_reads_too(self, api, organization):
        patient = PatientFactory(organization=organization)
        assert_error(api.get(PATIENTS_URL, HTTP_X_ORGANIZATION_ID="birch"), 403)
        assert_error(api.get(detail_url(patient.pk), HTTP_X_ORGANIZATION_ID="birch"), 403)

    def test_empty_header_counts_as_absent(self, api, body):
        assert create(api, body, HTTP_X_ORGANIZATION_ID="").status_code == 201


class TestStaffSession:
    def test_member_sees_only_their_organizations_patients(self, member, organization, other_organization):
        ours = PatientFactory(organization=organization)
        PatientFactory(organization=other_organization)

        response = staff_client(member).get(PATIENTS_URL)

        assert response.status_code == 200
        assert [p["id"] for p in response.json()["results"]] == [str(ours.pk)]

    def test_member_cannot_read_another_organizations_patient(self, member, other_organization):
        theirs = PatientFactory(organization=other_organization)
        assert_error(staff_client(member).get(detail_url(theirs.pk)), 404)

    def test_member_naming_another_organization_is_a_403(self, member, other_organization):
        response = staff_client(member).get(PATIENTS_URL, HTTP_X_ORGANIZATION_ID=str(other_organization.pk))
        assert_error(response, 403, "permission_denied")

    def test_create_without_csrf_token_is_a_403_and_writes_nothing(self, member, body):
        response = create(staff_client(member), body)

        data = assert_error(response, 403, "permission_denied")
        assert "CSRF" in data["message"]
        assert Patient.objects.count() == 0

    def test_patch_without_csrf_token_is_a_403(self, member, organization):
        patient = PatientFactory(organization=organization, family_name="Doe")
        assert_error(patch(staff_client(member), patient.pk, {"lastName": "X"}), 403)
        patient.refresh_from_db()
        assert patient.family_name == "Doe"

    def test_create_with_csrf_token_is_recorded_as_the_member(self, member, body, organization):
        body["verifications"] = {"phone": "verified"}

        response = create(with_csrf(staff_client(member)), body)

        assert response.status_code == 201, response.content
        patient = Patient.objects.get()
        assert (patient.organization, patient.created_by, patient.created_via) == (organization, member, "api")
        assert patient.history.get().history_actor == "member (API)"
        phone = Verification.objects.get(patient=patient, channel="phone")
        assert (phone.method, phone.verified_by) == ("external", member)

    def test_patch_with_csrf_token(self, member, organization):
        patient = PatientFactory(organization=organization)
        response = patch(with_csrf(staff_client(member)), patient.pk, {"lastName": "Changed"})
        assert response.status_code == 200, response.content
        assert response.json()["lastName"] == "Changed"

    def test_staff_of_several_organizations_works_in_the_one_chosen_in_the_session(
        self, member, other_organization
    ):
        MembershipFactory(user=member, organization=other_organization)
        theirs = PatientFactory(organization=other_organization)

        response = staff_client(member, organization=other_organization).get(PATIENTS_URL)

        assert [p["id"] for p in response.json()["results"]] == [str(theirs.pk)]

    def test_staff_of_several_organizations_without_a_choice_is_asked_to_choose(self, member, other_organization):
        MembershipFactory(user=member, organization=other_organization)

        data = assert_error(staff_client(member).get(PATIENTS_URL), 403)

        assert "Choose an organization" in data["message"]

    def test_staff_of_several_organizations_may_name_one_of_theirs(self, member, organization, other_organization):
        MembershipFactory(user=member, organization=other_organization, role=Membership.Role.ADMIN)
        theirs = PatientFactory(organization=other_organization)

        response = staff_client(member, organization=organization).get(PATIENTS_URL, HTTP_X_ORGANIZATION_ID="birch")

        assert [p["id"] for p in response.json()["results"]] == [str(theirs.pk)]

    def test_a_user_without_any_organization_is_refused(self, db):
        assert_error(staff_client(UserFactory()).get(PATIENTS_URL), 403)

    def test_a_key_wins_over_a_session(self, member, other_api_key, other_organization, body):
        client = staff_client(member)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {other_api_key.raw}")

        assert create(client, body).status_code == 201  # no CSRF needed: the key authenticates
        assert Patient.objects.get().organization == other_organization
