"""Who may open the front desk: signed-in staff of the organization only."""

import pytest
from django.contrib.auth.hashers import make_password
from django.urls import reverse

from tests.factories import LeadFactory, PatientFactory, UserFactory

LIST_PAGES = ["frontdesk:home", "frontdesk:patient_list", "frontdesk:register", "frontdesk:quick_lead",
              "frontdesk:duplicates_check"]
PATIENT_PAGES = ["frontdesk:patient_detail", "frontdesk:patient_edit", "frontdesk:complete_registration",
                 "frontdesk:patient_saved"]


@pytest.fixture
def lead(organization):
    return LeadFactory(organization=organization)


@pytest.mark.parametrize("name", LIST_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.parametrize("name", PATIENT_PAGES)
def test_anonymous_visitors_never_see_a_patient(client, lead, name):
    for response in (client.get(reverse(name, args=[lead.pk])), client.post(reverse(name, args=[lead.pk]))):
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", PATIENT_PAGES)
def test_staff_of_another_organization_get_not_found(outsider_desk, lead, name):
    assert outsider_desk.get(reverse(name, args=[lead.pk])).status_code == 404
    assert outsider_desk.post(reverse(name, args=[lead.pk]), {"given_name": "Hacked"}).status_code == 404
    lead.refresh_from_db()
    assert lead.given_name != "Hacked"


@pytest.mark.parametrize("name", PATIENT_PAGES)
def test_an_unknown_patient_is_not_found(desk, name):
    assert desk.get(reverse(name, args=["00000000-0000-0000-0000-000000000000"])).status_code == 404


def test_not_found_is_a_page_of_the_front_desk(desk):
    response = desk.get("/patients/not-a-uuid/")

    assert response.status_code == 404
    assert "Find a patient" in response.content.decode()


def test_an_organization_admin_and_a_superuser_may_work_too(client, organization, owner, superuser, lead):
    for user in (owner, superuser):
        client.force_login(user)
        assert client.get(reverse("frontdesk:patient_detail", args=[lead.pk])).status_code == 200


def test_staff_without_any_organization_are_told_so(client, db):
    client.force_login(UserFactory(username="nobody"))

    response = client.get(reverse("frontdesk:patient_list"))

    assert response.status_code == 403
    assert "not a member of any organization" in response.content.decode()


def test_staff_sign_in_and_out(client, member, organization):
    page = client.get(reverse("login")).content.decode()
    assert 'name="username"' in page and 'name="csrfmiddlewaretoken"' in page

    signed_in = client.post(reverse("login"), {"username": "member", "password": "front-desk-pass-1!"}, follow=True)
    assert signed_in.redirect_chain[-1][0] == reverse("frontdesk:patient_list")
    assert 'data-testid="current-organization"' in signed_in.content.decode()
    assert "Maple Clinic" in signed_in.content.decode()

    signed_out = client.post(reverse("logout"))
    assert signed_out.status_code == 302
    assert client.get(reverse("frontdesk:patient_list")).status_code == 302


def test_a_wrong_password_is_explained_next_to_the_form(client, member):
    response = client.post(reverse("login"), {"username": "member", "password": "wrong"})

    page = response.content.decode()
    assert 'id="error-summary"' in page and "correct username and password" in page


def test_a_patients_own_login_can_never_open_the_front_desk(client, organization):
    PatientFactory(organization=organization, username="pat@example.com#maple", email="pat@example.com",
                   password=make_password("Patient-pass-123!"))

    for username in ("pat@example.com#maple", "pat@example.com"):
        response = client.post(reverse("login"), {"username": username, "password": "Patient-pass-123!"})
        assert response.status_code == 200 and "correct username and password" in response.content.decode()
    assert client.get(reverse("frontdesk:patient_list")).status_code == 302


def test_session_ends_after_inactivity(settings):
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_COOKIE_AGE <= 60 * 60


def test_patient_pages_are_never_kept_in_the_browser_cache(desk, lead):
    response = desk.get(reverse("frontdesk:patient_detail", args=[lead.pk]))

    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
