"""In a real browser: "Show" reveals a masked health card number in place, each reveal logged."""

import pytest
from playwright.sync_api import expect

from patients.access_log import AccessEvent
from tests.browser.conftest import sign_in
from tests.factories import HealthCardFactory, PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def holder(organization):
    patient = PatientFactory(organization=organization, given_name="Jane", family_name="Roe")
    HealthCardFactory(patient=patient, number="9876543217", province="ON")
    return patient


def reveals():
    return AccessEvent.objects.filter(action="reveal").count()


def test_show_on_the_patient_page(signed_in, holder):
    page = signed_in
    page.goto(f"/patients/{holder.pk}/")
    number = page.get_by_test_id("health-card-number")
    expect(number).to_contain_text("••••••3217")
    assert reveals() == 0

    page.get_by_role("button", name="Show").click()

    expect(number).to_contain_text("9876543217")
    expect(page.get_by_role("button", name="Show")).to_have_count(0)
    assert page.url.endswith(f"/patients/{holder.pk}/")  # no page load: the script fetched it
    assert reveals() == 1


def test_show_on_the_edit_form_fills_the_input(signed_in, holder):
    page = signed_in
    page.goto(f"/patients/{holder.pk}/edit/")
    field = page.get_by_label("Health card number")
    expect(field).to_have_value("••••••3217")

    page.get_by_role("button", name="Show").click()

    expect(field).to_have_value("9876543217")
    assert reveals() == 1


def test_show_on_the_admin_change_page(page, owner, holder):
    sign_in(page, owner)
    page.goto(f"/admin/patients/patient/{holder.pk}/change/")
    field = page.locator("#id_health_card_number")
    expect(field).to_have_value("••••••3217")

    page.get_by_role("button", name="Show").click()

    expect(field).to_have_value("9876543217")
    assert AccessEvent.objects.filter(action="reveal", door="admin").count() == 1


def test_show_without_javascript(page_without_javascript, member, holder):
    page = sign_in(page_without_javascript, member)
    page.goto(f"/patients/{holder.pk}/")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("health-card-full-number")).to_have_text("9876543217")
    assert reveals() == 1
