"""Quick lead: a caller who gives only a name and a phone."""

import re

from django.urls import reverse

from patients.models import Patient
from tests.frontdesk.data import lead_form

URL = reverse("frontdesk:quick_lead")


def test_a_lead_is_saved_without_a_patient_number(desk, organization):
    response = desk.post(URL, lead_form())

    lead = Patient.objects.for_organization(organization).get()
    assert response["Location"] == reverse("frontdesk:patient_saved", args=[lead.pk])
    assert lead.status == Patient.Status.LEAD and lead.patient_number is None
    assert (lead.given_name, lead.family_name, str(lead.phone)) == ("Marc", "Gagnon", "+15145550142")
    assert lead.date_of_birth is None
    assert lead.history.get().history_change_reason == "Registered as a lead"

    page = desk.get(response["Location"]).content.decode()
    assert "Lead saved" in page and 'data-testid="patient-number">lead<' in page
    assert reverse("frontdesk:quick_lead") in page  # "Register another" takes the next call


def test_the_form_asks_for_little(desk):
    page = desk.get(URL).content.decode()

    assert 'name="full_name"' in page and 'name="phone"' in page and 'name="gender"' in page
    assert 'name="health_card_number"' not in page


def test_gender_is_required_and_a_bad_phone_is_refused(desk, organization):
    response = desk.post(URL, lead_form(gender="", phone="12"))

    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_gender_error"' in page and 'id="id_phone_error"' in page
    assert 'value="Marc Gagnon"' in page
    assert not Patient.objects.exists()


def test_a_lead_may_give_a_birth_date_but_not_a_future_one(desk, organization):
    response = desk.post(URL, lead_form(date_of_birth="2999-01-01"))

    assert response.status_code == 400
    assert "cannot be in the future" in response.content.decode()
    assert not Patient.objects.exists()


def test_submitting_twice_saves_one_lead(desk, organization):
    desk.post(URL, lead_form())
    desk.post(URL, lead_form())

    assert Patient.objects.for_organization(organization).count() == 1


def test_the_clinic_says_how_a_lead_must_be_reachable(desk, organization):
    organization.lead_requires = "phone"
    organization.save()
    page = desk.get(URL).content.decode()
    assert re.search(r'<input[^>]*name="phone"[^>]*\srequired', page)
    assert not re.search(r'<input[^>]*name="email"[^>]*\srequired', page)

    response = desk.post(URL, lead_form(phone=""))
    assert response.status_code == 400
    assert "Required by this clinic." in re.search(r'id="id_phone_error">(.*?)</p>', response.content.decode(),
                                                   re.S).group(1)
    assert not Patient.objects.exists()


def test_a_phone_or_an_email_is_said_and_either_will_do(desk, organization):
    organization.lead_requires = "phone-or-email"
    organization.save()
    assert "needs a phone or an email" in desk.get(URL).content.decode()

    assert desk.post(URL, lead_form(phone="", email="")).status_code == 400
    assert desk.post(URL, lead_form(phone="", email="marc@example.com")).status_code == 302
    assert Patient.objects.get().email == "marc@example.com"
