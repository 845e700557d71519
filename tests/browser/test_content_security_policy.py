"""In a real browser, every page we serve runs under its Content-Security-Policy without a single
violation: front desk, admin and the API docs (Swagger UI draws itself under the policy too)."""

import datetime

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.factories import PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def violations_on(page, path):
    """The CSP violations the browser reports while `path` loads and settles."""
    page.goto("/")  # any page of ours, so that the listener below is installed on our origin
    page.evaluate(
        """() => { window.__violations = [];
                   document.addEventListener('securitypolicyviolation',
                     e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI)); }"""
    )
    messages = []
    page.on("console", lambda message: messages.append(message.text) if "Content Security Policy" in message.text
            else None)
    page.goto(path)
    page.wait_for_load_state("networkidle")
    return messages


def test_no_page_breaks_its_content_security_policy(page, owner, organization):
    patient = PatientFactory(organization=organization, given_name="Élodie", family_name="Tremblay",
                             date_of_birth=datetime.date(1984, 3, 9), phone="+14165550199")
    sign_in(page, owner)
    pages = [
        "/patients/", f"/patients/{patient.pk}/", f"/patients/{patient.pk}/edit/", "/patients/new/",
        "/patients/new-lead/", "/admin/", "/admin/patients/patient/", f"/admin/patients/patient/{patient.pk}/change/",
        "/admin/patients/patient/add/", f"/admin/patients/patient/{patient.pk}/history/",
        "/admin/organizations/organization/", "/admin/organizations/apikey/add/", "/api/docs/",
    ]
    found = {path: violations_on(page, path) for path in pages}

    assert {path: messages for path, messages in found.items() if messages} == {}


def test_the_api_docs_draw_under_the_policy(page):
    page.goto("/api/docs/")
    expect(page.get_by_text("Patient Intake API").first).to_be_visible()


def test_an_inline_script_is_refused(page, owner):
    """The check above can fail: a script without the nonce is blocked and reported."""
    sign_in(page, owner)
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1';
                             document.body.appendChild(s); }""")
    assert page.evaluate("() => window.__ran") is None
    assert any("Content Security Policy" in text for text in messages)
