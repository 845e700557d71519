"""Keyless POST /api/v1/patients: patients registering themselves on their clinic's address."""

import pytest
from rest_framework.test import APIClient

from patients.models import Channel, Patient, Verification
from tests.api.patients_helpers import PATIENTS_URL, assert_error, create
from tests.factories import PatientGroupFactory, ProviderFactory

PLATFORM_HOST = "maple.intake.localhost"
PORTAL_HOST = "portal.maple-clinic.ca"


@pytest.fixture
def open_clinic(organization):
    organization.allows_self_registration = True
    organization.portal_domain = PORTAL_HOST
    organization.save()
    return organization


@pytest.fixture
def public():
    return APIClient()


def register(client, body, host=PLATFORM_HOST, **headers):
    return create(client, body, HTTP_HOST=host, **headers)


def test_patient_registers_on_the_platform_address(public, body, open_clinic):
    response = register(public, body)

    assert response.status_code == 201, response.content
    patient = Patient.objects.get()
    assert patient.organization == open_clinic
    assert patient.created_via == Channel.SELF_REGISTRATION
    assert (patient.created_by, patient.created_by_api_key) == (None, None)
    assert patient.history.get().history_actor == "Patient self-registration"
    assert response.json()["verifications"] == {"email": "unverified", "phone": "unverified"}
    assert not Verification.objects.filter(status="verified").exists()


@pytest.mark.parametrize("header", ["maple", "MAPLE", "id"])
def test_header_is_optional_on_the_platform_address_but_must_match(public, body, open_clinic, header):
    value = str(open_clinic.pk) if header == "id" else header
    assert register(public, body, HTTP_X_ORGANIZATION_ID=value).status_code == 201


def test_header_naming_another_organization_on_the_platform_address_is_a_403(public, body, open_clinic,
                                                                             other_organization):
    assert_error(register(public, body, HTTP_X_ORGANIZATION_ID="birch"), 403, "permission_denied")
    assert Patient.objects.count() == 0


def test_portal_domain_requires_the_header(public, body, open_clinic):
    data = assert_error(register(public, body, host=PORTAL_HOST), 400, "invalid", ["X-Organization-ID"])
    assert "required" in data["errors"]["X-Organization-ID"][0]
    assert Patient.objects.count() == 0


def test_portal_domain_with_the_matching_header(public, body, open_clinic):
    response = register(public, body, host=f"{PORTAL_HOST.upper()}:443", HTTP_X_ORGANIZATION_ID="maple")
    assert response.status_code == 201, response.content


def test_portal_domain_with_another_organizations_header_is_a_403(public, body, open_clinic, other_organization):
    response = register(public, body, host=PORTAL_HOST, HTTP_X_ORGANIZATION_ID=str(other_organization.pk))
    assert_error(response, 403)


def test_clinic_that_does_not_accept_self_registration_refuses_clearly(public, body, organization):
    data = assert_error(register(public, body), 403, "permission_denied")
    assert "Maple Clinic does not accept self-registration" in data["message"]
    assert Patient.objects.count() == 0


@pytest.mark.parametrize("host", ["testserver", "unknown.intake.localhost", "a.maple.intake.localhost",
                                  "intake.localhost", "maple.intake.localhost.evil.test"])
def test_anywhere_else_a_keyless_request_is_refused_with_a_clear_error(public, body, open_clinic, host):
    data = assert_error(register(public, body, host=host), 401, "not_authenticated")
    assert "Authorization: Bearer" in data["message"]
    assert Patient.objects.count() == 0


def test_inactive_clinic_is_refused(public, body, open_clinic):
    open_clinic.is_active = False
    open_clinic.save()
    assert_error(register(public, body), 401)


def test_keyless_reads_are_refused_even_on_the_platform_address(public, open_clinic):
    assert_error(public.get(PATIENTS_URL, HTTP_HOST=PLATFORM_HOST), 401)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("verifications", {"email": "verified"}),
        ("roles", ["patient", "caregiver"]),
        ("emrId", 55),
        ("unreadNotifications", 3),
    ],
)
def test_self_registration_cannot_set_trusted_only_fields(public, body, open_clinic, field, value):
    data = assert_error(register(public, {**body, field: value}), 400, "invalid", [field])

    assert "staff" in data["errors"][field][0] or "only have the role" in data["errors"][field][0]
    assert Patient.objects.count() == 0


@pytest.mark.parametrize("field", ["providers", "groups"])
def test_self_registration_cannot_choose_providers_or_groups(public, body, open_clinic, field):
    factory = ProviderFactory if field == "providers" else PatientGroupFactory
    body[field] = [str(factory(organization=open_clinic).pk)]

    data = assert_error(register(public, body), 400, "invalid", [field])

    assert "Only the clinic's staff or systems may set this field." in data["errors"][field]


def test_self_registration_may_send_the_harmless_defaults(public, body, open_clinic):
    body.update({"roles": ["patient"], "unreadNotifications": 0, "providers": [], "verifications": {}})
    assert register(public, body).status_code == 201


class TestRateLimit:
    @pytest.fixture(autouse=True)
    def _two_per_hour(self, settings):
        rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "self_registration": "2/hour"}
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}

    def test_third_registration_from_one_address_is_a_429(self, public, body, open_clinic):
        for i in range(2):
            assert register(public, {**body, "email": f"p{i}@example.com"}).status_code == 201

        response = register(public, {**body, "email": "p3@example.com"})

        assert_error(response, 429, "throttled")
        assert int(response["Retry-After"]) > 0
        assert Patient.objects.count() == 2

    def test_the_limit_is_per_client_address(self, public, body, open_clinic):
        for i in range(2):
            register(public, {**body, "email": f"p{i}@example.com"}, REMOTE_ADDR="10.0.0.1")

        response = register(public, {**body, "email": "p3@example.com"}, REMOTE_ADDR="10.0.0.2")

        assert response.status_code == 201

    def test_a_forged_forwarded_for_header_does_not_reset_the_limit(self, public, body, open_clinic):
        for i in range(2):
            register(public, {**body, "email": f"p{i}@example.com"}, HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")

        response = register(public, {**body, "email": "p3@example.com"}, HTTP_X_FORWARDED_FOR="192.0.2.99")

        assert_error(response, 429)

    def test_calls_with_a_key_are_not_limited_by_it(self, api, body, open_clinic):
        for i in range(3):
            assert create(api, {**body, "email": f"p{i}@example.com"}).status_code == 201
