"""In a real browser: a quick lead, and completing a lead's registration."""

import pytest
from playwright.sync_api import expect

from patients.actors import Actor
from patients.models import Channel, Patient
from patients.services import register_patient
from tests.browser.conftest import keep_screenshot
from tests.browser.test_register import fill_birth_date

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_register_a_quick_lead(signed_in, organization):
    page = signed_in
    page.get_by_role("link", name="Quick lead").first.click()

    page.get_by_label("Name").fill("Marc Gagnon")
    page.locator("#id_phone").fill("514.555.0142")
    page.get_by_label("Gender").select_option("male")
    page.get_by_role("button", name="Save lead").click()

    expect(page.get_by_role("heading", name="Lead saved")).to_be_visible()
    expect(page.get_by_test_id("patient-number")).to_have_text("lead")
    lead = Patient.objects.get()
    assert lead.is_lead and lead.patient_number is None and str(lead.phone) == "+15145550142"


def test_a_lead_can_be_taken_with_the_keyboard_alone(signed_in, organization):
    page = signed_in
    page.goto("/patients/new-lead/")

    page.get_by_label("Name").focus()
    page.keyboard.type("Ana Souza")
    page.keyboard.press("Tab")  # phone country: keep the clinic's
    page.keyboard.press("Tab")
    page.keyboard.type("416 555 0177")
    page.keyboard.press("Tab")  # gender
    page.keyboard.type("F")
    page.keyboard.press("Shift+Tab")  # back to the phone: Enter there submits with the ordinary save
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Lead saved")).to_be_visible()
    assert Patient.objects.get().given_name == "Ana"


def test_complete_a_leads_registration(signed_in, organization, member):
    page = signed_in
    lead = register_patient(organization, {"full_name": "Marc Gagnon", "gender": "male", "phone": "5145550142"},
                            actor=Actor.for_user(member, Channel.INTAKE), as_lead=True)
    page.goto(f"/patients/{lead.pk}/")

    page.get_by_role("link", name="Complete registration").click()
    page.get_by_role("button", name="Complete registration").click()
    expect(page.locator("#error-summary")).to_contain_text("Date of birth")
    expect(page.locator("#error-summary")).to_be_focused()

    fill_birth_date(page, "2", "November", "1979")
    page.get_by_role("button", name="Complete registration").click()

    expect(page.get_by_role("heading", name="Patient registered")).to_be_visible()
    expect(page.get_by_test_id("patient-number")).to_have_text("1")
    keep_screenshot(page, "lead-completed")
    lead.refresh_from_db()
    assert not lead.is_lead and lead.patient_number == 1
