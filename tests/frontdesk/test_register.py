"""Register a patient: the full intake form."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from patients.models import HealthCard, Patient
from tests.factories import PatientFactory, ProviderFactory
from tests.frontdesk.data import patient_form

URL = reverse("frontdesk:register")


def test_the_form_preselects_the_organization_region_and_offers_only_its_providers(
    desk, organization, other_organization, provider, group
):
    ProviderFactory(organization=other_organization, name="Dr. Elsewhere")
    organization.default_phone_region = "GB"
    organization.save()

    page = desk.get(URL).content.decode()

    assert '<option value="GB" selected>' in page
    assert "Dr. Amara Okafor" in page and "Diabetes clinic" in page
    assert "Dr. Elsewhere" not in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert 'name="form_token"' in page
    assert 'novalidate' in page


def test_registering_saves_the_patient_through_the_service_and_shows_the_number(desk, organization, provider, group):
    response = desk.post(URL, patient_form(providers=[str(provider.pk)], groups=[str(group.pk)],
                                           accepts_marketing="on"))

    patient = Patient.objects.for_organization(organization).get()
    assert response.status_code == 302
    assert response["Location"] == reverse("frontdesk:patient_saved", args=[patient.pk])
    assert patient.status == Patient.Status.ACTIVE and patient.patient_number == 1
    assert str(patient.phone) == "+14165550199"
    assert patient.given_name == "Élodie" and patient.email == "elodie@example.com"
    assert patient.accepts_marketing is True and patient.has_insurance is False
    assert list(patient.providers.all()) == [provider] and list(patient.groups.all()) == [group]
    assert patient.created_via == "intake"
    card = HealthCard.objects.get(patient=patient)
    assert (card.number, card.version_code, card.province) == ("9876543217", "AB", "ON")
    entry = patient.history.get()
    assert entry.history_actor == "member (Intake form)" and entry.history_channel == "intake"

    confirmation = desk.get(response["Location"]).content.decode()
    assert 'data-testid="patient-number">1<' in confirmation
    assert "Register another" in confirmation
    assert "+1 416-555-0199" in confirmation  # shown back in international form


def test_a_number_typed_for_another_country_is_read_in_that_country(desk, organization):
    desk.post(URL, patient_form(phone_region="GB", phone="020 7946 0958"))

    assert str(Patient.objects.for_organization(organization).get().phone) == "+442079460958"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"phone": "416-555-CALL"}, "phone", "letters and other symbols are not allowed"),
        ({"phone": "555"}, "phone", "Enter a valid phone number"),
        ({"health_card_number": "9876543210"}, "health_card_number", "check digit is wrong"),
        ({"health_card_province": ""}, "health_card_province", "Choose a Canadian province"),
        ({"email": "not-an-email"}, "email", "Enter a valid email address"),
    ],
)
def test_a_bad_value_is_shown_next_to_its_input_and_in_the_summary_and_nothing_is_saved(
    desk, organization, overrides, field, message
):
    response = desk.post(URL, patient_form(**overrides))

    page = response.content.decode()
    assert response.status_code == 400
    assert not Patient.objects.for_organization(organization).exists()
    assert 'id="error-summary"' in page and f'href="#id_{field}"' in page
    assert f'id="id_{field}_error"' in page and message in page
    field_tag = page[page.index(f'id="id_{field}"') - 300: page.index(f'id="id_{field}"') + 300]
    assert 'aria-invalid="true"' in field_tag
    assert f"id_{field}_error" in field_tag.split("aria-describedby=")[1].split(">")[0]
    assert 'value="Élodie"' in page  # typed values are kept


def test_every_missing_required_field_is_reported_at_once(desk, organization):
    response = desk.post(URL, {"form_token": "t", "phone_region": "CA"})

    page = response.content.decode()
    assert response.status_code == 400
    for field in ("given_name", "family_name", "date_of_birth_0", "gender", "phone"):
        assert f'href="#id_{field}"' in page
    assert not Patient.objects.exists()


def test_a_provider_of_another_organization_is_refused(desk, organization, other_organization):
    elsewhere = ProviderFactory(organization=other_organization)

    response = desk.post(URL, patient_form(providers=[str(elsewhere.pk)]))

    assert response.status_code == 400
    assert not Patient.objects.exists()


def test_an_email_already_registered_is_an_error_on_the_email(desk, organization):
    existing = PatientFactory(organization=organization, email="Elodie@Example.com", phone="+14165550000",
                              date_of_birth="1950-01-01")

    # Even once the clerk confirms a new patient, the email cannot be registered twice.
    response = desk.post(URL, patient_form(confirm_new="1", seen_duplicates=str(existing.pk)))

    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_email_error"' in page and "already registered" in page
    assert Patient.objects.for_organization(organization).count() == 1


def test_submitting_twice_saves_one_patient_and_shows_the_first_result(desk, organization):
    first = desk.post(URL, patient_form())
    second = desk.post(URL, patient_form())

    patient = Patient.objects.for_organization(organization).get()
    assert first["Location"] == second["Location"] == reverse("frontdesk:patient_saved", args=[patient.pk])
    assert "already been saved" in desk.get(second["Location"]).content.decode()


def test_a_new_form_gets_a_new_token(desk):
    first, second = desk.get(URL).content.decode(), desk.get(URL).content.decode()

    def token(page):
        return page.split('name="form_token" value="')[1].split('"')[0]

    assert token(first) != token(second) and len(token(first)) >= 20


def test_the_form_is_protected_against_cross_site_posts(member, organization):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)

    response = client.post(URL, patient_form())

    assert response.status_code == 403
    assert not Patient.objects.exists()


def test_a_quebec_card_that_disagrees_with_the_name_saves_with_a_warning(desk, organization):
    response = desk.post(URL, patient_form(health_card_number="TEST54122816", health_card_province="QC",
                                           health_card_version_code=""), follow=True)

    page = response.content.decode()
    assert Patient.objects.for_organization(organization).count() == 1
    assert "do not match the family name" in page


def required_inputs(page: str) -> set[str]:
    """The names of the inputs and selects the page marks `required`."""
    tags = re.findall(r"<(?:input|select|textarea)\b[^>]*>", page)
    return {re.search(r'name="([^"]+)"', t).group(1) for t in tags if re.search(r"\srequired\b", t)}


def test_the_form_marks_exactly_what_a_full_patient_needs(desk, organization):
    base = {"given_name", "family_name", "date_of_birth_day", "date_of_birth_month", "date_of_birth_year", "gender",
            "phone"}
    assert required_inputs(desk.get(URL).content.decode()) == base

    organization.required_fields = ["email", "province", "health_card"]
    organization.save()
    page = desk.get(URL).content.decode()
    assert required_inputs(page) == base | {"email", "province", "health_card_number"}
    assert page.count('<span class="required">') == 5 + 3


def test_what_the_clinic_requires_is_refused_next_to_its_input(desk, organization):
    organization.required_fields = ["email", "health_card"]
    organization.save()
    response = desk.post(URL, patient_form(email="", health_card_number="", health_card_version_code="",
                                           health_card_province="", health_card_expiry_date=""))

    page = response.content.decode()
    assert response.status_code == 400
    for name in ("email", "health_card_number"):
        error = re.search(rf'id="id_{name}_error">(.*?)</p>', page, re.S).group(1)
        assert "Required by this clinic." in error
    assert not Patient.objects.exists()


@pytest.mark.parametrize(("day", "month", "year", "message"), [
    ("15", "13", "1984", "The month must be between 1 and 12."),
    ("32", "3", "1984", "The day must be between 1 and 31."),
    ("31", "2", "1984", "There is no day 31 in that month."),
    ("15", "3", "84", "Enter the year as 4 digits, for example 1984."),
    ("15", "", "1984", "The date must include a day, a month and a year."),
    ("1o", "3", "1984", "Enter the day, month and year as numbers."),
    ("15", "3", "2999", "The date of birth cannot be in the future."),
    ("15", "3", "1899", "The date of birth cannot be before 1900-01-01."),
])
def test_the_date_of_birth_is_typed_as_day_month_and_year_with_a_specific_error(desk, day, month, year, message):
    response = desk.post(URL, patient_form(date_of_birth=None, date_of_birth_day=day, date_of_birth_month=month,
                                           date_of_birth_year=year))

    page = response.content.decode()
    assert response.status_code == 400
    assert message in re.search(r'id="id_date_of_birth_error">(.*?)</p>', page, re.S).group(1)
    assert 'href="#id_date_of_birth_0"' in page  # the summary leads to the day
    group = page[page.index('<fieldset class="field field--date'):page.index("</fieldset>", page.index("field--date"))]
    assert "id_date_of_birth_error" in group.split(">")[0]  # the group is described by its error
    assert group.count('aria-invalid="true"') == 3  # day, month and year
    assert f'name="date_of_birth_day" value="{day}"' in page  # what was typed is kept
    assert not Patient.objects.exists()


def test_the_month_is_chosen_by_name(desk, organization):
    page = desk.get(URL).content.decode()
    assert '<option value="3">March</option>' in page
    assert '<label class="date-input__label" for="id_date_of_birth_0">Day</label>' in page

    desk.post(URL, patient_form(date_of_birth=None, date_of_birth_day="09", date_of_birth_month="3",
                                date_of_birth_year="1984"))
    assert str(Patient.objects.get().date_of_birth) == "1984-03-09"
