"""Staff of several organizations pick one; every page then works inside it."""

import pytest
from django.urls import reverse

from organizations.middleware import SESSION_KEY
from tests.factories import MembershipFactory, PatientFactory

CHOOSE = reverse("organizations:choose")


@pytest.fixture
def two_clinic_desk(client, member, other_organization):
    MembershipFactory(user=member, organization=other_organization)
    client.force_login(member)
    return client


def test_staff_of_several_organizations_are_asked_to_pick_one(two_clinic_desk):
    response = two_clinic_desk.get(reverse("frontdesk:register"))

    assert response.status_code == 302
    assert response["Location"] == f"{CHOOSE}?next=%2Fpatients%2Fnew%2F"
    page = two_clinic_desk.get(response["Location"]).content.decode()
    assert "Maple Clinic" in page and "Birch Clinic" in page


def test_picking_one_shows_it_and_only_its_patients(two_clinic_desk, organization, other_organization):
    PatientFactory(organization=organization, given_name="Maple", family_name="Patient")
    PatientFactory(organization=other_organization, given_name="Birch", family_name="Patient")

    response = two_clinic_desk.post(CHOOSE, {"organization": str(other_organization.pk), "next": "/patients/"})

    assert response["Location"] == "/patients/"
    assert two_clinic_desk.session[SESSION_KEY] == str(other_organization.pk)
    page = two_clinic_desk.get("/patients/").content.decode()
    assert "Birch Clinic" in page and "Switch" in page
    assert "Birch Patient" in page and "Maple Patient" not in page


def test_an_organization_one_does_not_belong_to_cannot_be_picked(client, member, other_organization):
    client.force_login(member)

    assert client.post(CHOOSE, {"organization": str(other_organization.pk)}).status_code == 404
    assert client.post(CHOOSE, {"organization": "not-a-uuid"}).status_code == 404
    assert SESSION_KEY not in client.session


def test_an_outside_next_address_is_ignored(two_clinic_desk, organization):
    response = two_clinic_desk.post(CHOOSE, {"organization": str(organization.pk), "next": "https://evil.example/"})

    assert response["Location"] == reverse("frontdesk:home")


def test_staff_of_one_organization_go_straight_in(desk):
    page = desk.get(reverse("frontdesk:patient_list")).content.decode()

    assert "Maple Clinic" in page and "Switch" not in page


def test_choosing_needs_a_signed_in_user(client):
    assert client.get(CHOOSE).status_code == 302
