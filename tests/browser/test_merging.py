"""In a real browser: "Same person as …" from a duplicate warning, the comparison, the merge, and undo."""

import datetime

import pytest
from playwright.sync_api import expect

from patients.merging.models import PatientMerge
from patients.models import Patient
from tests.browser.conftest import keep_screenshot
from tests.browser.test_register import fill_patient
from tests.factories import PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_same_person_from_a_duplicate_warning_through_to_undo(signed_in, organization):
    page = signed_in
    existing = PatientFactory(organization=organization, given_name="Elodie", family_name="Tremblay",
                              date_of_birth=datetime.date(1984, 3, 9), phone="+14165550199", province="",
                              email="old@example.com")
    page.goto("/patients/new/")
    fill_patient(page, **{"#id_email": ""})
    page.get_by_role("button", name="Register patient").click()

    warning = page.locator("#duplicates")
    expect(warning).to_contain_text("same phone")
    warning.get_by_test_id("same-person").click()

    # The comparison: what was typed (kept as a lead) next to the registered patient.
    expect(page.get_by_role("heading", level=1)).to_have_text("Same person?")
    expect(page.get_by_test_id("differs-province")).to_be_visible()
    keep_screenshot(page, "merge-compare")
    page.get_by_test_id("differs-given_name").get_by_role("radio").first.check()  # "Élodie", as typed
    page.get_by_label("Why (kept in the history)").fill("Registered again at the desk")
    page.get_by_test_id("confirm-merge").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Élodie Tremblay")
    expect(page.get_by_test_id("patient-number")).to_have_text(str(existing.patient_number))
    existing.refresh_from_db()
    assert (existing.given_name, existing.province) == ("Élodie", "ON")
    merged = Patient.objects.get(status=Patient.Status.MERGED)
    assert merged.merged_into_id == existing.pk

    # The merged record's page says so, links the survivor and offers the undo.
    page.goto(f"/patients/{merged.pk}/")
    banner = page.get_by_test_id("merged-banner")
    expect(banner).to_contain_text("This record was merged")
    keep_screenshot(page, "merged-record")
    banner.get_by_test_id("undo-merge").click()

    expect(page.get_by_test_id("merged-banner")).to_have_count(0)
    existing.refresh_from_db()
    assert (existing.given_name, existing.province) == ("Elodie", "")
    assert Patient.objects.get(pk=merged.pk).status == Patient.Status.LEAD
    assert PatientMerge.objects.get().undone_at is not None
