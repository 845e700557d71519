"""In a real browser: find a patient by a phone typed differently from how it was registered."""

import datetime

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import keep_screenshot
from tests.factories import PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_by_a_phone_typed_in_another_format(signed_in, organization, other_organization):
    page = signed_in
    wanted = PatientFactory(organization=organization, given_name="Élodie", family_name="Tremblay",
                            date_of_birth=datetime.date(1984, 3, 9), phone="+14165550199")
    PatientFactory(organization=organization, given_name="Someone", family_name="Else", phone="+14165550100")
    PatientFactory(organization=other_organization, given_name="Élodie", family_name="Elsewhere",
                   phone="+14165550199")
    page.get_by_role("link", name="Patients").click()

    page.get_by_label("Search").fill("416.555.0199")
    page.keyboard.press("Enter")

    rows = page.get_by_test_id("patient-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Élodie Tremblay")
    expect(rows.first).to_contain_text("+1 416-555-0199")
    keep_screenshot(page, "search")

    rows.first.locator("td").first.click()  # the whole row opens the patient
    expect(page.get_by_role("heading", level=1)).to_contain_text("Élodie Tremblay")
    expect(page.get_by_test_id("patient-number")).to_have_text(str(wanted.patient_number))
