"""The patient page's verification card and its actions: "Send code", "Enter code", "Verified in person"."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from patients.models import Verification
from tests.access_log.helpers import events
from tests.verification.conftest import email_code, register, sms_code


@pytest.fixture
def desk(member):
    browser = Client(enforce_csrf_checks=False)
    browser.force_login(member)
    return browser


def page_url(patient):
    return reverse("frontdesk:patient_detail", args=[patient.pk])


def action(name, patient, channel):
    return reverse(f"verification:{name}", args=[patient.pk, channel])


def card(page: str) -> str:
    return page.split('id="verification"')[1].split("</section>")[0]


def test_the_page_offers_the_three_actions_per_channel(desk, account):
    page = card(desk.get(page_url(account)).content.decode())

    for channel in ("email", "phone"):
        assert action("send", account, channel) in page
        assert action("in_person", account, channel) in page
        assert action("confirm", account, channel) not in page  # no code out yet
    assert "Send code" in page and "Verified in person" in page


def test_send_then_enter_the_code(desk, account, member, mailoutbox):
    sent = desk.post(action("send", account, "email"), follow=True)

    assert sent.redirect_chain[-1][0] == page_url(account) + "#verification"
    page = card(sent.content.decode())
    assert "Pending" in page and action("confirm", account, "email") in page and "Enter code" in page
    assert "A code was sent to ana.silva@example.com" in sent.content.decode()

    confirmed = desk.post(action("confirm", account, "email"), {"code": email_code(mailoutbox, account.email)},
                          follow=True)

    assert "ana.silva@example.com is verified." in confirmed.content.decode()
    row = Verification.objects.get(channel="email")
    assert (row.status, row.method, row.verified_by) == ("verified", "code", member)
    assert row.verified_by_label == "member (Intake form)"
    page = card(confirmed.content.decode())
    assert "One-time code, by member (Intake form)" in page
    assert action("send", account, "email") not in page  # nothing left to do for this channel


def test_a_wrong_code_is_shown_and_counted(desk, account):
    desk.post(action("send", account, "phone"))
    code = sms_code("+14165550134")

    answer = desk.post(action("confirm", account, "phone"), {"code": f"{(int(code) + 1) % 10**6:06d}"})

    # Shown where the code was typed: the page again (not a redirect), the input marked and described
    # by the error, and a summary that takes the focus and links to the input.
    page = answer.content.decode()
    assert answer.status_code == 400
    summary = page.split('id="error-summary"')[1].split("</div>")[0]
    assert "autofocus" in summary and 'role="alert"' in summary
    assert '<a href="#code-phone">The code is not correct. 4 tries left.</a>' in summary
    assert 'id="code-phone-error"><span class="visually-hidden">Error:</span> The code is not correct.' in page
    code_input = page.split('id="code-phone"')[1].split(">")[0]
    assert 'aria-invalid="true"' in code_input and 'aria-describedby="code-phone-error"' in code_input
    assert Verification.objects.get(channel="phone").code_attempts == 1


def test_when_no_code_can_be_entered_the_summary_leads_to_the_channels_actions(desk, account):
    answer = desk.post(action("confirm", account, "email"), {"code": "123456"})  # no code was sent

    page = answer.content.decode()
    assert answer.status_code == 400
    assert '<a href="#verification-email-actions">No code is waiting to be confirmed. Send a new code.</a>' in page
    assert 'id="verification-email-actions" tabindex="-1"' in page
    # The page shows the patient again: that is a read, in the access log like any opening of the record.
    assert [(action, patient) for action, _door, _who, patient in events()] == [("view", account.pk)]


def test_sending_again_too_soon_is_explained(desk, account, mailoutbox):
    desk.post(action("send", account, "email"))

    answer = desk.post(action("send", account, "email"), follow=True)

    assert "A code was sent less than a minute ago" in answer.content.decode()
    assert len(mailoutbox) == 1


def test_verified_in_person_records_who(desk, account, member):
    answer = desk.post(action("in_person", account, "phone"), follow=True)

    assert "(416) 555-0134 is marked as verified in person." in answer.content.decode()  # for reading
    row = Verification.objects.get(channel="phone")
    assert (row.status, row.method, row.verified_by, row.verified_by_label) == (
        "verified", "in_person", member, "member (Intake form)")
    assert "In person, by member (Intake form)" in card(answer.content.decode())
    history = row.history.first()
    assert history.history_user == member and history.history_channel == "intake"


def test_an_expired_code_is_explained(desk, account, mailoutbox):
    desk.post(action("send", account, "email"))
    Verification.objects.update(code_expires_at=timezone.now() - timedelta(seconds=1))

    answer = desk.post(action("confirm", account, "email"), {"code": email_code(mailoutbox, account.email)},
                       follow=True)

    assert "This code has expired. Send a new code." in answer.content.decode()


def test_a_patient_without_a_phone(desk, organization):
    patient = register(organization, email="nophone@example.com")
    patient.phone = ""
    patient.save()

    page = card(desk.get(page_url(patient)).content.decode())
    assert action("send", patient, "phone") not in page and "No phone on file" in page

    answer = desk.post(action("in_person", patient, "phone"), follow=True)
    assert "This patient has no phone number to verify." in answer.content.decode()
    assert not Verification.objects.filter(channel="phone").exists()


def test_another_organizations_patient_is_404(outsider, account):
    browser = Client()
    browser.force_login(outsider)

    for name in ("send", "confirm", "in_person"):
        assert browser.post(action(name, account, "email"), {"code": "123456"}).status_code == 404
    assert not Verification.objects.exists()


def test_unknown_channel_is_404(desk, account):
    assert desk.post(reverse("verification:send", args=[account.pk, "fax"])).status_code == 404


def test_signed_out_or_get_requests_do_nothing(account, patient_client):
    anonymous = Client()
    answer = anonymous.post(action("in_person", account, "email"))
    assert answer.status_code == 302 and reverse("login") in answer["Location"]

    # a patient token is no front-desk session
    assert patient_client.post(action("in_person", account, "email")).status_code == 302

    signed_in = Client()
    assert signed_in.get(action("send", account, "email")).status_code == 405
    assert not Verification.objects.exists()


def test_the_forms_carry_a_csrf_token(member, account):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)

    assert browser.post(action("in_person", account, "email")).status_code == 403  # no token: refused
    page = browser.get(page_url(account)).content.decode()
    assert card(page).count("csrfmiddlewaretoken") == 4  # send and in person, for both channels
