"""In a real browser: register a patient, see field errors, and meet a returning patient."""

import datetime

import pytest
from playwright.sync_api import expect

from patients.models import Patient
from tests.browser.conftest import keep_screenshot, sign_in
from tests.factories import PatientFactory, ProviderFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_birth_date(page, day, month, year):
    """The date of birth as a clerk types it: day, month by name, year."""
    page.get_by_label("Day").fill(day)
    page.get_by_label("Month", exact=True).select_option(label=month)
    page.get_by_label("Year").fill(year)


def fill_patient(page, birth_date=("9", "March", "1984"), **overrides):
    values = {
        "#id_given_name": "Élodie", "#id_family_name": "Tremblay",
        "#id_phone": "(416) 555-0199", "#id_email": "elodie@example.com",
        "#id_health_card_number": "9876 543 217", "#id_health_card_version_code": "AB",
    }
    values.update(overrides)
    for selector, value in values.items():
        page.locator(selector).fill(value)
    fill_birth_date(page, *birth_date)
    page.get_by_label("Gender").select_option("female")
    page.get_by_label("Province or state").select_option("ON")
    page.get_by_label("Issuing province").select_option("ON")


def test_register_a_full_patient_and_see_the_patient_number(signed_in, organization):
    page = signed_in
    ProviderFactory(organization=organization, name="Dr. Mei Chen")
    page.get_by_role("link", name="Register a patient").first.click()
    expect(page.get_by_role("heading", name="Register a patient")).to_be_visible()
    keep_screenshot(page, "register-1024x768")

    fill_patient(page)
    page.get_by_label("Dr. Mei Chen").check()
    page.get_by_label("Has private insurance").check()
    page.get_by_role("button", name="Register patient").click()

    expect(page.get_by_role("heading", name="Patient registered")).to_be_visible()
    expect(page.get_by_test_id("patient-number")).to_have_text("1")
    expect(page.get_by_text("+1 416-555-0199")).to_be_visible()
    expect(page.get_by_role("link", name="Register another")).to_be_visible()
    keep_screenshot(page, "registered")
    patient = Patient.objects.get()
    assert patient.patient_number == 1 and patient.has_insurance
    assert [p.name for p in patient.providers.all()] == ["Dr. Mei Chen"]


def test_field_errors_for_a_bad_phone_a_future_birth_date_and_an_invalid_health_card(signed_in, organization):
    page = signed_in
    page.goto("/patients/new/")

    fill_patient(page, birth_date=("1", "January", "2999"),
                 **{"#id_phone": "416-555-CALL", "#id_health_card_number": "9876543210"})
    page.get_by_role("button", name="Register patient").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    for field, target, message in (("phone", "phone", "letters and other symbols are not allowed"),
                                   ("date_of_birth", "date_of_birth_0", "cannot be in the future"),
                                   ("health_card_number", "health_card_number", "check digit is wrong")):
        expect(page.locator(f"#id_{field}_error")).to_contain_text(message)
        expect(page.locator(f"#id_{target}")).to_have_attribute("aria-invalid", "true")
        expect(summary.locator(f'a[href="#id_{target}"]')).to_be_visible()
    expect(page.locator("#id_given_name")).to_have_value("Élodie")
    keep_screenshot(page, "register-errors")

    summary.locator('a[href="#id_phone"]').click()
    expect(page.locator("#id_phone")).to_be_focused()
    assert Patient.objects.count() == 0


def test_a_returning_patient_is_flagged_and_their_record_opened(signed_in, organization):
    page = signed_in
    existing = PatientFactory(organization=organization, given_name="Elodie", family_name="Tremblay",
                              date_of_birth=datetime.date(1984, 3, 9), phone="+14165550199")
    page.goto("/patients/new/")

    fill_patient(page, **{"#id_email": ""})
    # The script warns while typing (the server checks again on submit).
    expect(page.locator("#live-duplicates")).to_contain_text("Elodie Tremblay")
    page.get_by_role("button", name="Register patient").click()

    warning = page.locator("#duplicates")
    expect(warning).to_be_focused()
    expect(warning).to_contain_text("already registered")
    expect(warning).to_contain_text("same phone")
    expect(warning).to_contain_text(str(existing.patient_number))
    keep_screenshot(page, "duplicates")
    assert Patient.objects.count() == 1

    warning.get_by_role("link", name="Elodie Tremblay").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Elodie Tremblay")
    expect(page.get_by_test_id("patient-number")).to_have_text(str(existing.patient_number))
    keep_screenshot(page, "patient-page")


def test_confirming_a_new_patient_after_the_warning_saves_once(signed_in, organization):
    page = signed_in
    PatientFactory(organization=organization, given_name="Elodie", family_name="Tremblay",
                   date_of_birth=datetime.date(1984, 3, 9), phone="+14165550199")
    page.goto("/patients/new/")
    fill_patient(page, **{"#id_email": ""})
    page.get_by_role("button", name="Register patient").click()

    sent = page.evaluate("() => Object.fromEntries(new FormData(document.getElementById('patient-form')))")
    page.get_by_role("button", name="This is a new patient: save").click()
    expect(page.get_by_role("heading", name="Patient registered")).to_be_visible()

    # The same form sent again from this browser (a double click that got through, a resend).
    again = page.request.post("/patients/new/", form=sent | {"confirm_new": "1"})

    assert again.ok and again.url == page.url
    assert "already been saved" in again.text()
    assert Patient.objects.count() == 2


def test_registering_works_without_javascript(page_without_javascript, member, organization):
    page = sign_in(page_without_javascript, member)
    page.goto("/patients/new/")
    fill_patient(page)
    page.get_by_role("button", name="Register patient").click()

    expect(page.get_by_test_id("patient-number")).to_have_text("1")
