"""WCAG 2.1 AA: axe-core (vendored in tests/browser/vendor/axe-core, no CDN) finds no violation on any
front-desk page, nor on any admin page for patients, in each state a clerk meets (empty, with errors,
with possible duplicates, with a code to enter)."""

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from patients.actors import Actor
from patients.models import Channel, Patient
from patients.services import register_patient
from patients.verification import start_verification
from tests.browser.conftest import open_page, sign_in
from tests.browser.test_register import fill_patient
from tests.factories import PatientGroupFactory, ProviderFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def page(chromium, live_server):
    # bypass_csp: the page's Content-Security-Policy must not keep the test's own axe script out.
    with open_page(chromium, live_server, bypass_csp=True) as page:
        yield page


def violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}}).then(r => r.violations)", WCAG_AA)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
        for v in found
    ]


def assert_accessible(page, path=None):
    if path is not None:
        page.goto(path)
    problems = violations(page)
    assert problems == [], f"{page.url}:\n" + "\n".join(problems)


def assert_all_accessible(page, paths):
    """Every page checked before failing, so one run lists every violation."""
    problems = {}
    for path in paths:
        page.goto(path)
        if found := violations(page):
            problems[path] = found
    assert problems == {}, "\n".join(f"{path}:\n  " + "\n  ".join(found) for path, found in problems.items())


@pytest.fixture
def records(organization, member):
    ProviderFactory(organization=organization, name="Dr. Mei Chen")
    PatientGroupFactory(organization=organization, name="Prenatal")
    actor = Actor.for_user(member, Channel.INTAKE)
    patient = register_patient(organization, {
        "given_name": "Élodie", "family_name": "Tremblay", "gender": "female", "date_of_birth": "1984-03-09",
        "phone": "416 555 0199", "email": "elodie@example.com", "province": "ON",
        "health_card": {"number": "9876543217", "province": "ON", "version_code": "AB", "expiry_date": "2031-05-01"},
    }, actor=actor)
    start_verification(patient, "email", actor=actor)
    lead = register_patient(organization, {"full_name": "Marc Gagnon", "gender": "male", "phone": "514 555 0142"},
                            actor=actor, as_lead=True)
    return {"patient": patient, "lead": lead}


def in_language(page, language):
    """Switch the signed-in staff member's pages to `language` with the header's language switcher."""
    if language == "fr":
        page.get_by_role("button", name="Français").click()
        expect(page.locator("html")).to_have_attribute("lang", "fr")


@pytest.mark.parametrize("language", ["en", "fr"])
def test_front_desk_pages(page, member, records, language):
    patient, lead = records["patient"], records["lead"]
    assert_accessible(page, "/login/")
    sign_in(page, member)
    in_language(page, language)
    assert_all_accessible(page, [
        "/patients/", "/patients/?q=tremblay", "/patients/?q=09/03/1984", "/patients/?q=nobody",
        "/patients/new/", "/patients/new-lead/",
        f"/patients/{patient.pk}/", f"/patients/{patient.pk}/edit/", f"/patients/{patient.pk}/saved/",
        f"/patients/{lead.pk}/", f"/patients/{lead.pk}/complete/", "/organization/",
    ])


def test_front_desk_pages_with_errors_and_duplicates(page, member, records):
    sign_in(page, member)
    page.goto("/patients/new/")
    fill_patient(page, birth_date=("31", "February", "1984"), **{"#id_phone": "416-555-CALL"})
    page.get_by_role("button", name="Register patient").click()
    expect(page.locator("#error-summary")).to_be_visible()
    assert_accessible(page)

    page.goto("/patients/new/")
    fill_patient(page, **{"#id_email": "", "#id_health_card_number": "", "#id_health_card_version_code": ""})
    page.get_by_label("Issuing province").select_option("")  # Élodie again, without a card: a possible duplicate
    page.get_by_role("button", name="Register patient").click()
    expect(page.locator("#duplicates")).to_be_visible()
    assert_accessible(page)

    page.goto("/patients/new-lead/")
    page.get_by_role("button", name="Save lead").click()
    assert_accessible(page)


def test_a_wrong_verification_code_is_announced_and_takes_the_focus(page, member, records):
    patient = records["patient"]
    sign_in(page, member)
    page.goto(f"/patients/{patient.pk}/")
    page.get_by_label("Code from the patient").fill("000000")
    page.get_by_role("button", name="Enter code").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("code")
    code = page.get_by_label("Code from the patient")
    expect(code).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#{code.get_attribute('aria-describedby').split()[0]}")).to_contain_text("not correct")
    summary.get_by_role("link").first.click()
    expect(code).to_be_focused()
    assert_accessible(page)


def test_the_patient_page_reflows_at_320_pixels(page, member, records):
    sign_in(page, member)
    page.set_viewport_size({"width": 320, "height": 640})
    for path in (f"/patients/{records['patient'].pk}/", "/patients/", "/patients/new/"):
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 320px"


def test_the_focus_ring_contrasts_with_white(page, member):
    page.goto("/login/")
    field = page.get_by_label("Username")
    field.focus()
    color = page.evaluate("e => getComputedStyle(e).outlineColor", field.element_handle())
    assert contrast(color, "rgb(255, 255, 255)") >= 3, color


def contrast(first: str, second: str) -> float:
    def luminance(css):
        channels = [int(c) / 255 for c in css[css.index("(") + 1:css.index(")")].split(",")[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_admin_pages_for_patients(page, owner, records, organization, language):
    patient, lead = records["patient"], records["lead"]
    sign_in(page, owner)
    in_language(page, language)
    assert_all_accessible(page, [
        reverse("admin:patients_patient_changelist"),
        reverse("admin:patients_patient_changelist") + "?q=03/09/1984",
        reverse("admin:patients_patient_change", args=[patient.pk]),
        reverse("admin:patients_patient_change", args=[lead.pk]),
        reverse("admin:patients_patient_add"),
        reverse("admin:patients_patient_import"),
        reverse("admin:patients_patient_history", args=[patient.pk]),
        reverse("admin:patients_patient_complete_registration", args=[lead.pk]),
    ])
    assert Patient.objects.count() == 2


def test_admin_forms_with_errors(page, owner, records, organization):
    sign_in(page, owner)
    page.goto(reverse("admin:patients_patient_add"))
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".errornote")).to_be_visible()
    assert_accessible(page)
    assert Patient.objects.count() == 2
