"""Possible duplicates: shown before saving, confirmed by the clerk, checked again on the server."""

import datetime

import pytest
from django.urls import reverse

from patients.models import Patient
from tests.factories import HealthCardFactory, PatientFactory
from tests.frontdesk.data import lead_form, patient_form

REGISTER = reverse("frontdesk:register")
CHECK = reverse("frontdesk:duplicates_check")


def _returning(organization, **kwargs):
    values = {"given_name": "Elodie", "family_name": "Tremblay", "date_of_birth": datetime.date(1984, 3, 9),
              "phone": "+14165550199", "email": "old@example.com"}
    values.update(kwargs)
    return PatientFactory(organization=organization, **values)


def test_a_returning_patient_is_shown_with_why_and_nothing_is_saved(desk, organization):
    existing = _returning(organization)

    response = desk.post(REGISTER, patient_form(email=""))

    page = response.content.decode()
    assert response.status_code == 409
    assert Patient.objects.for_organization(organization).count() == 1
    assert 'id="duplicates"' in page
    assert "Elodie Tremblay" in page and "9 Mar 1984" in page and f">{existing.patient_number}<" in page
    assert "same phone" in page and "same family name and date of birth" in page
    assert reverse("frontdesk:patient_detail", args=[existing.pk]) in page
    assert f'name="seen_duplicates" value="{existing.pk}"' in page
    assert 'value="Élodie"' in page  # the form keeps what was typed


def test_confirming_a_new_patient_saves_it(desk, organization):
    existing = _returning(organization)

    response = desk.post(REGISTER, patient_form(email="", confirm_new="1", seen_duplicates=str(existing.pk)))

    assert response.status_code == 302
    assert Patient.objects.for_organization(organization).count() == 2


def test_a_match_the_clerk_did_not_see_is_shown_again(desk, organization):
    seen = _returning(organization)
    _returning(organization, given_name="Other", family_name="Person", phone="+14165550100",
               email="unseen@example.com", date_of_birth=datetime.date(1960, 1, 1))

    response = desk.post(REGISTER, patient_form(email="unseen@example.com", confirm_new="1",
                                                seen_duplicates=str(seen.pk)))

    assert response.status_code == 409
    assert "same email" in response.content.decode()
    assert Patient.objects.for_organization(organization).count() == 2


def test_pressing_enter_never_confirms(desk, organization):
    _returning(organization)

    page = desk.post(REGISTER, patient_form(email="")).content.decode()

    form = page[page.index('id="patient-form"'):]
    assert form.index('type="submit"') < form.index('name="confirm_new"')
    first_button = form[form.index("<button"):form.index("</button>")]
    assert "confirm_new" not in first_button


def test_another_organizations_patients_are_never_matches(desk, organization, other_organization):
    _returning(other_organization)

    response = desk.post(REGISTER, patient_form())

    assert response.status_code == 302


def test_a_lead_is_checked_too(desk, organization):
    _returning(organization, phone="+15145550142")

    response = desk.post(reverse("frontdesk:quick_lead"), lead_form())

    assert response.status_code == 409
    assert "same phone" in response.content.decode()
    assert Patient.objects.for_organization(organization).count() == 1


def test_the_live_check_answers_json_for_the_script(desk, organization, other_organization):
    existing = _returning(organization)
    _returning(other_organization)

    response = desk.get(CHECK, {"phone": "416.555.0199", "phone_region": "CA", "given_name": "Élodie",
                                "family_name": "tremblay", "date_of_birth": "1984-03-09"})

    matches = response.json()["matches"]
    assert response.status_code == 200
    assert len(matches) == 1
    assert matches[0]["patient_number"] == existing.patient_number
    assert matches[0]["url"] == reverse("frontdesk:patient_detail", args=[existing.pk])
    assert "same phone" in matches[0]["reasons"]


def test_the_live_check_reads_the_day_month_and_year_inputs(desk, organization):
    existing = _returning(organization)

    response = desk.get(CHECK, {"family_name": "tremblay", "date_of_birth_day": "9", "date_of_birth_month": "3",
                                "date_of_birth_year": "1984"})

    [match] = response.json()["matches"]
    assert match["url"] == reverse("frontdesk:patient_detail", args=[existing.pk])
    assert "same family name and date of birth" in match["reasons"]
    assert (match["date_of_birth"], match["date_of_birth_shown"]) == ("1984-03-09", "9 Mar 1984")
    half_typed = {"family_name": "tremblay", "date_of_birth_day": "9", "date_of_birth_month": "3",
                  "date_of_birth_year": "19"}
    assert "same family name and date of birth" not in str(desk.get(CHECK, half_typed).json())


def test_the_live_check_ignores_half_typed_values_and_can_exclude_the_lead_being_completed(desk, organization):
    lead = _returning(organization, status=Patient.Status.LEAD, patient_number=None)

    assert desk.get(CHECK, {"phone": "41", "date_of_birth": "19", "email": "x@"}).json() == {"matches": []}
    assert desk.get(CHECK, {"phone": "4165550199", "exclude": str(lead.pk)}).json() == {"matches": []}
    assert desk.get(CHECK, {"phone": "4165550199", "exclude": "not-a-uuid"}).json()["matches"]


@pytest.mark.parametrize("province, found", [("O\x00", True), ("ON\x00", True), ("ON", True), ("QC", False)])
@pytest.mark.parametrize("number", ["9287170261", "9287170261\x00"])
def test_the_live_check_never_looks_up_what_no_card_holds(desk, organization, number, province, found):
    # PostgreSQL refuses NUL in a query parameter: these used to answer 500 there, and are now a 400.
    # A number that no card can hold is not looked up; an unknown province only stops narrowing it down.
    patient = _returning(organization)
    HealthCardFactory(patient=patient, number="9287170261", province="ON")

    response = desk.get(CHECK, {"health_card_number": number, "health_card_province": province})
    if "\x00" in number + province:  # refused before any lookup (patients/strict_input.py)
        assert response.status_code == 400
        return
    assert response.status_code == 200
    assert len(response.json()["matches"]) == found


def test_the_live_check_needs_a_signed_in_member(client, outsider_desk, organization):
    _returning(organization)

    assert outsider_desk.get(CHECK, {"phone": "4165550199"}).json() == {"matches": []}
    outsider_desk.logout()
    assert client.get(CHECK, {"phone": "4165550199"}).status_code == 302
