"""In a real browser: a French-speaking clinic in Vancouver registers a patient in French and reads
every time in its own zone; the header's switcher turns the pages to English."""

import pytest
from django.utils import formats, timezone, translation
from playwright.sync_api import expect

from patients.models import Patient
from tests.browser.conftest import keep_screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def french_clinic(organization):
    organization.language = "fr"
    organization.time_zone = "America/Vancouver"
    organization.save()
    return organization


def test_register_a_patient_in_french_and_see_the_clinics_time(page, member, french_clinic):
    sign_in(page, member)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.get_by_role("link", name="Inscrire un patient").first.click()
    expect(page.get_by_role("heading", name="Inscrire un patient")).to_be_visible()

    page.get_by_label("Prénom").fill("Élodie")
    page.get_by_label("Nom de famille").fill("Tremblay")
    page.get_by_label("Jour").fill("9")  # day, month by name, year: no day and month to mix up
    page.get_by_label("Mois", exact=True).select_option(label="mars")
    page.get_by_label("Année").fill("1984")
    page.get_by_label("Genre").select_option("female")
    page.locator("#id_phone").fill("(604) 555-0199")
    page.get_by_label("Langue préférée").select_option("fr")
    page.get_by_role("button", name="Inscrire le patient").click()

    expect(page.get_by_role("heading", name="Patient inscrit")).to_be_visible()
    page.get_by_role("link", name="Ouvrir le dossier").click()
    patient = Patient.objects.get()
    with translation.override("fr"):
        shown = formats.date_format(timezone.localtime(patient.created_at, french_clinic.zone), "SHORT_DATETIME_FORMAT")
    expect(page.get_by_test_id("registered-at")).to_contain_text(shown)  # e.g. "9 mars 2026, 11 h 05"
    expect(page.get_by_test_id("preferred-language")).to_have_text("Français")
    expect(page.get_by_role("heading", name="Historique des modifications")).to_be_visible()
    keep_screenshot(page, "patient-fr")
    assert patient.preferred_language == "fr"

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="History of changes")).to_be_visible()
