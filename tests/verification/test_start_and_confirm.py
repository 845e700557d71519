"""Sending and confirming one-time codes: the rules (patients/verification.py) and the API around them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from patients import verification as service
from patients.actors import Actor
from patients.errors import PatientConflictError, PatientRuleError, TooManyRequestsError
from patients.models import Channel, MessageDelivery, Verification
from patients.services import update_patient
from tests.verification.conftest import email_code, sms_code


@pytest.fixture
def me(account):
    return Actor(channel=Channel.PATIENT, patient=account)


def shift(row, **changes):
    """Move stored times back, as if time had passed."""
    Verification.objects.filter(pk=row.pk).update(**changes)


# --- sending ----------------------------------------------------------------------------------------

def test_sending_an_email_code(account, me, mailoutbox):
    row = service.start_verification(account, "email", actor=me)

    code = email_code(mailoutbox, "ana.silva@example.com")
    assert len(code) == 6 and code.isdigit()
    assert "Maple Clinic" in mailoutbox[-1].subject
    row.refresh_from_db()
    assert row.status == Verification.Status.PENDING
    assert row.destination == "ana.silva@example.com"
    assert row.code_hash and code not in row.code_hash  # stored only as an HMAC
    assert timedelta(minutes=9, seconds=59) < row.code_expires_at - timezone.now() <= timedelta(minutes=10)
    delivery = MessageDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.channel) == ("sent", 1, "email")
    assert delivery.destination == "ana.silva@example.com"


def test_sending_a_phone_code_by_sms(account, me):
    service.start_verification(account, "phone", actor=me)

    code = sms_code("+14165550134")
    assert len(code) == 6
    assert MessageDelivery.objects.get().state == MessageDelivery.State.SENT


def test_codes_are_random(account, organization, me, mailoutbox):
    codes = set()
    for _ in range(4):
        row = service.start_verification(account, "email", actor=me)
        codes.add(email_code(mailoutbox, account.email))
        shift(row, code_sent_at=timezone.now() - timedelta(minutes=2))
    assert len(codes) >= 3


def test_no_address_no_code(organization, me):
    from tests.verification.conftest import register

    patient = register(organization, email="solo@example.com", password=None)
    patient.phone = ""
    patient.save()

    with pytest.raises(PatientRuleError) as refused:
        service.start_verification(patient, "phone", actor=Actor(channel=Channel.PATIENT, patient=patient))
    assert "no phone number" in refused.value.errors["phone"][0]
    assert not MessageDelivery.objects.exists()


def test_unknown_channel(account, me):
    with pytest.raises(PatientRuleError) as refused:
        service.start_verification(account, "fax", actor=me)
    assert "channel" in refused.value.errors


def test_resend_waits_a_minute(account, me, mailoutbox):
    row = service.start_verification(account, "email", actor=me)

    with pytest.raises(TooManyRequestsError) as refused:
        service.start_verification(account, "email", actor=me)
    assert refused.value.status_code == 429
    assert 1 <= refused.value.retry_after <= 61
    assert len(mailoutbox) == 1

    shift(row, code_sent_at=timezone.now() - timedelta(seconds=61))
    service.start_verification(account, "email", actor=me)
    assert len(mailoutbox) == 2


def resend(row, actor, read_code, unlike):
    """Send codes until one differs from `unlike` (two random codes are equal once in a million)."""
    for _ in range(3):
        shift(row, code_sent_at=timezone.now() - timedelta(seconds=61))
        service.start_verification(row.patient, row.channel, actor=actor)
        if read_code() != unlike:
            return read_code()
    raise AssertionError("three new codes in a row equal to the old one: the codes are not random")


def test_a_new_code_replaces_the_old_one(account, me, mailoutbox):
    row = service.start_verification(account, "email", actor=me)
    old = email_code(mailoutbox, account.email)
    new = resend(row, me, lambda: email_code(mailoutbox, account.email), unlike=old)

    with pytest.raises(PatientRuleError):
        service.confirm_verification(account, "email", old, actor=me)
    assert service.confirm_verification(account, "email", new, actor=me).status == "verified"


def test_daily_cap_per_patient_and_channel(account, me, mailoutbox):
    row = service.start_verification(account, "email", actor=me)
    shift(row, codes_sent_count=service.CODES_PER_DAY, code_sent_at=timezone.now() - timedelta(minutes=5))

    with pytest.raises(TooManyRequestsError) as refused:
        service.start_verification(account, "email", actor=me)
    assert "today" in refused.value.errors["email"][0]
    assert refused.value.retry_after > 0

    service.start_verification(account, "phone", actor=me)  # another channel has its own cap
    shift(row, codes_sent_on=timezone.localdate() - timedelta(days=2))  # a new day
    service.start_verification(account, "email", actor=me)


def test_a_verified_channel_is_not_sent_another_code(account, me, mailoutbox):
    service.start_verification(account, "email", actor=me)
    service.confirm_verification(account, "email", email_code(mailoutbox, account.email), actor=me)
    Verification.objects.update(code_sent_at=timezone.now() - timedelta(minutes=5))

    with pytest.raises(PatientConflictError):
        service.start_verification(account, "email", actor=me)


# --- confirming -------------------------------------------------------------------------------------

def test_confirming_marks_the_channel_verified_with_method_time_and_caller(account, me, mailoutbox):
    service.start_verification(account, "email", actor=me)
    code = email_code(mailoutbox, account.email)

    row = service.confirm_verification(account, "email", f" {code[:3]} {code[3:]} ", actor=me)

    row.refresh_from_db()
    assert row.status == Verification.Status.VERIFIED
    assert row.method == Verification.Method.CODE
    assert abs((timezone.now() - row.verified_at).total_seconds()) < 5
    assert row.verified_by is None and row.verified_by_label == "Patient Ana Silva"
    assert row.code_hash == "" and row.code_expires_at is None  # a used code is gone
    history = row.history.first()
    assert history.history_channel == "patient" and history.history_actor == "Patient Ana Silva"


def test_a_wrong_code_is_refused_and_counted(account, me, mailoutbox):
    service.start_verification(account, "email", actor=me)
    code = email_code(mailoutbox, account.email)
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    with pytest.raises(PatientRuleError) as refused:
        service.confirm_verification(account, "email", wrong, actor=me)

    assert refused.value.errors == {"code": ["The code is not correct. 4 tries left."]}
    row = Verification.objects.get(channel="email")
    assert row.code_attempts == 1 and row.status == Verification.Status.PENDING  # the count survived the error


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", None, "１２３４５６"])
def test_a_malformed_code_is_a_field_error_and_not_a_try(account, me, code):
    service.start_verification(account, "email", actor=me)

    with pytest.raises(PatientRuleError) as refused:
        service.confirm_verification(account, "email", code, actor=me)

    assert refused.value.errors == {"code": ["Enter the 6-digit code."]}
    assert Verification.objects.get(channel="email").code_attempts == 0


def test_five_wrong_codes_kill_the_code(account, me, mailoutbox):
    service.start_verification(account, "email", actor=me)
    code = email_code(mailoutbox, account.email)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        with pytest.raises(PatientRuleError):
            service.confirm_verification(account, "email", wrong, actor=me)

    with pytest.raises(PatientRuleError) as refused:
        service.confirm_verification(account, "email", code, actor=me)  # even the right one

    assert "no longer works" in refused.value.errors["code"][0]
    assert Verification.objects.get(channel="email").status != Verification.Status.VERIFIED


def test_an_expired_code_is_refused(account, me, mailoutbox):
    row = service.start_verification(account, "email", actor=me)
    code = email_code(mailoutbox, account.email)
    shift(row, code_expires_at=timezone.now() - timedelta(seconds=1))

    with pytest.raises(PatientRuleError) as refused:
        service.confirm_verification(account, "email", code, actor=me)

    assert refused.value.errors == {"code": ["This code has expired. Send a new code."]}


def test_confirming_without_a_code_sent(account, me):
    with pytest.raises(PatientRuleError) as refused:
        service.confirm_verification(account, "phone", "123456", actor=me)
    assert "No code is waiting" in refused.value.errors["code"][0]


def test_an_email_code_does_not_confirm_the_phone(account, me, mailoutbox):
    service.start_verification(account, "email", actor=me)
    phone_row = service.start_verification(account, "phone", actor=me)
    code = email_code(mailoutbox, account.email)
    if code == sms_code("+14165550134"):
        resend(phone_row, me, lambda: sms_code("+14165550134"), unlike=code)

    with pytest.raises(PatientRuleError):
        service.confirm_verification(account, "phone", code, actor=me)


# --- a changed address ------------------------------------------------------------------------------

def test_changing_the_email_resets_its_verification(account, me, mailoutbox):
    service.start_verification(account, "email", actor=me)
    service.confirm_verification(account, "email", email_code(mailoutbox, account.email), actor=me)
    service.start_verification(account, "phone", actor=me)
    service.confirm_verification(account, "phone", sms_code("+14165550134"), actor=me)

    update_patient(account, {"email": "ana@example.org"}, actor=me)

    email = Verification.objects.get(channel="email")
    assert (email.status, email.method, email.verified_at, email.verified_by_label) == ("unverified", "", None, "")
    assert email.destination == "ana@example.org"
    assert Verification.objects.get(channel="phone").status == "verified"  # the other channel is untouched


def test_changing_the_phone_resets_its_verification_and_kills_a_pending_code(account, me):
    service.start_verification(account, "phone", actor=me)
    code = sms_code("+14165550134")

    update_patient(account, {"phone": "647 555 0199"}, actor=me)

    phone = Verification.objects.get(channel="phone")
    assert phone.status == "unverified" and phone.code_hash == ""
    with pytest.raises(PatientRuleError):
        service.confirm_verification(account, "phone", code, actor=me)


def test_saving_the_same_address_keeps_the_verification(account, me, mailoutbox):
    service.start_verification(account, "email", actor=me)
    service.confirm_verification(account, "email", email_code(mailoutbox, account.email), actor=me)

    update_patient(account, {"email": "ana.silva@example.com", "phone": "+1 416 555 0134"}, actor=me)

    assert Verification.objects.get(channel="email").status == "verified"


def test_a_code_sent_to_the_old_address_cannot_confirm_the_new_one(account, me, mailoutbox):
    service.start_verification(account, "email", actor=me)
    code = email_code(mailoutbox, account.email)
    account.email = "ana@example.org"  # changed behind the services' back: the code is bound to the address
    account.save()

    with pytest.raises(PatientRuleError) as refused:
        service.confirm_verification(account, "email", code, actor=me)
    assert "changed" in refused.value.errors["code"][0]


# --- in person --------------------------------------------------------------------------------------

def test_verified_in_person_records_who(account, member):
    row = service.mark_verified_in_person(account, "phone", actor=Actor.for_user(member))

    row.refresh_from_db()
    assert (row.status, row.method) == ("verified", "in_person")
    assert row.verified_by == member
    assert row.verified_by_label == "member (Intake form)"
    assert row.destination == "+14165550134"


def test_only_staff_verify_in_person(account, me, api_key):
    from django.core.exceptions import PermissionDenied

    for actor in (me, Actor.for_api_key(api_key)):
        with pytest.raises(PermissionDenied):
            service.mark_verified_in_person(account, "email", actor=actor)
    assert not Verification.objects.exists()


def test_a_patient_cannot_verify_someone_else(account, other_account, me):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        service.start_verification(other_account, "email", actor=me)
    with pytest.raises(PermissionDenied):
        service.confirm_verification(other_account, "email", "123456", actor=me)


def test_promoting_a_lead_with_a_new_phone_resets_the_phone(organization, member):
    from patients.services import promote_lead
    from tests.factories import LeadFactory

    staff = Actor.for_user(member)
    lead = LeadFactory(organization=organization, phone="+14165550134", email="lead@example.com")
    service.mark_verified_in_person(lead, "phone", actor=staff)
    service.mark_verified_in_person(lead, "email", actor=staff)

    promote_lead(lead, by=staff, confirm_duplicates=True, phone="647 555 0199", date_of_birth="1980-01-01")

    assert Verification.objects.get(channel="phone").status == "unverified"
    assert Verification.objects.get(channel="email").status == "verified"


@pytest.mark.postgres_only
def test_two_sends_at_the_same_moment_give_one_code(transactional_db, mailoutbox):
    import threading

    from django.db import connection

    from tests.factories import OrganizationFactory
    from tests.verification.conftest import register

    patient = register(OrganizationFactory(slug="maple", name="Maple Clinic"))
    barrier = threading.Barrier(4)
    outcomes = []

    def send():
        try:
            barrier.wait()
            service.start_verification(patient, "email", actor=Actor(channel=Channel.PATIENT, patient=patient))
            outcomes.append("sent")
        except TooManyRequestsError:
            outcomes.append("wait")
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["sent", "wait", "wait", "wait"]
    assert Verification.objects.count() == 1 and MessageDelivery.objects.count() == 1
