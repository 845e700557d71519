"""Contact verification: one-time codes sent to a patient's email address or phone number, and
"verified in person" at the front desk.

Codes are 6 digits from `secrets`, stored only as an HMAC (keyed with SECRET_KEY and bound to the
verification row and the destination, so a code sent to an old address never confirms a new one),
valid 10 minutes, dead after 5 wrong tries. A channel can be sent a code at most once a minute and
10 times a day. Delivery happens in the background (patients/tasks.py); the request never waits
for it and never fails because of it.
"""

import logging
import secrets
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext

from patients import metrics
from patients.actors import Actor
from patients.errors import PatientConflictError, PatientRuleError, TooManyRequestsError
from patients.models import MessageDelivery, Patient, Verification

logger = logging.getLogger(__name__)

CHANNELS = tuple(c.value for c in Verification.ChannelName)
CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=10)
MAX_WRONG_CODES = 5
RESEND_COOLDOWN = timedelta(seconds=60)
CODES_PER_DAY = 10

# Whole sentences per channel, so that each language can agree them with its noun.
MESSAGES = {
    "email": {
        "none_to_send": gettext_lazy("This patient has no email address to send a code to."),
        "none_to_verify": gettext_lazy("This patient has no email address to verify."),
        "already_verified": gettext_lazy("This email address is already verified."),
        "changed": gettext_lazy("The email address changed after this code was sent. Send a new code."),
        "daily_cap": gettext_lazy("%(count)s codes were sent to this email address today. Try again tomorrow."),
    },
    "phone": {
        "none_to_send": gettext_lazy("This patient has no phone number to send a code to."),
        "none_to_verify": gettext_lazy("This patient has no phone number to verify."),
        "already_verified": gettext_lazy("This phone number is already verified."),
        "changed": gettext_lazy("The phone number changed after this code was sent. Send a new code."),
        "daily_cap": gettext_lazy("%(count)s codes were sent to this phone number today. Try again tomorrow."),
    },
}
# History reasons: stored in English, shown translated (templates translate them).
CODE_SENT = gettext_noop("code sent")
FIRST_USE = gettext_noop("first use of this channel")
WRONG_CODE = gettext_noop("wrong code entered")
CONFIRMED = gettext_noop("confirmed with a code")
IN_PERSON = gettext_noop("verified in person")


def _message(channel, key, **values) -> str:
    text = str(MESSAGES[channel][key])
    return text % values if values else text


@dataclass
class ConfirmOutcome:
    verification: Verification
    error: PatientRuleError | None = None


def check_channel(channel) -> str:
    if channel not in CHANNELS:
        raise PatientRuleError({"channel": [_("Choose email or phone.")]})
    return channel


def destination_of(patient: Patient, channel: str) -> str:
    return str(getattr(patient, channel) or "")


def code_digest(verification: Verification, code: str) -> str:
    value = f"{verification.pk}:{verification.channel}:{verification.destination}:{code}"
    return salted_hmac("patients.verification.code", value, algorithm="sha256").hexdigest()


def code_is_current(verification: Verification, code: str, now=None) -> bool:
    """Is `code` the live code of `verification` (not replaced, expired, used or dead)?"""
    now = now or timezone.now()
    return bool(
        verification.code_hash
        and verification.code_expires_at is not None
        and verification.code_expires_at > now
        and verification.code_attempts < MAX_WRONG_CODES
        and constant_time_compare(verification.code_hash, code_digest(verification, code))
    )


def _zone(organization):
    try:
        return zoneinfo.ZoneInfo(organization.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.get_current_timezone()


def _organization_today(organization, now):
    # "A day" for the daily cap is the clinic's day, not the server's.
    return now.astimezone(_zone(organization)).date()


def _check_actor(patient: Patient, actor: Actor):
    """Defence in depth: the adapters already answer 404 for rows outside the caller's reach."""
    if actor.patient is not None and actor.patient.pk != patient.pk:
        raise PermissionDenied("A patient may only verify their own email address and phone number.")
    if actor.api_key is not None and actor.api_key.organization_id != patient.organization_id:
        raise PermissionDenied("This API key belongs to another organization.")


def _locked_verification(patient: Patient, channel: str, actor: Actor) -> Verification:
    """The patient's row for `channel`, created if missing, locked until the transaction ends."""
    rows = Verification.objects.for_organization(patient.organization_id).filter(patient=patient, channel=channel)
    verification = rows.select_for_update().first()
    if verification is not None:
        return verification
    try:
        with transaction.atomic():
            _save(Verification(
                organization_id=patient.organization_id, patient=patient, channel=channel,
                destination=destination_of(patient, channel),
            ), actor, FIRST_USE)
    except IntegrityError:
        pass  # created concurrently: lock that one
    return rows.select_for_update().get()


def _save(verification: Verification, actor: Actor, reason: str):
    verification._history_actor = actor
    verification._history_user = actor.user  # not whoever the request says (a patient token is no staff user)
    verification._change_reason = reason
    verification.save()


@metrics.counts_refusals("send_code")
def start_verification(patient: Patient, channel: str, *, actor: Actor) -> Verification:
    """Send a new code to the patient's current email address or phone number.

    Returns the verification (status `pending`), with `.delivery` (the MessageDelivery) and
    `.resend_after` (seconds). Raises PatientRuleError (no address or number),
    PatientConflictError (already verified) or TooManyRequestsError (cooldown, daily cap).
    """
    check_channel(channel)
    _check_actor(patient, actor)
    destination = destination_of(patient, channel)
    if not destination:
        raise PatientRuleError({channel: [_message(channel, "none_to_send")]})
    now = timezone.now()
    today = _organization_today(patient.organization, now)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    with transaction.atomic():
        verification = _locked_verification(patient, channel, actor)
        if verification.status == Verification.Status.VERIFIED and verification.destination == destination:
            already = _message(channel, "already_verified")
            raise PatientConflictError({channel: [already]}, already)
        if verification.code_sent_at is not None and now - verification.code_sent_at < RESEND_COOLDOWN:
            wait = int((verification.code_sent_at + RESEND_COOLDOWN - now).total_seconds()) + 1
            raise TooManyRequestsError(
                {channel: [_("A code was sent less than a minute ago. Wait %(seconds)s seconds before sending another.")
                           % {"seconds": wait}]},
                _("A code was sent less than a minute ago."), retry_after=wait,
            )
        sent_today = verification.codes_sent_count if verification.codes_sent_on == today else 0
        if sent_today >= CODES_PER_DAY:
            tomorrow = datetime.combine(today + timedelta(days=1), time.min, tzinfo=_zone(patient.organization))
            raise TooManyRequestsError(
                {channel: [_message(channel, "daily_cap", count=CODES_PER_DAY)]},
                _("The daily limit of codes for this channel is reached."),
                retry_after=max(int((tomorrow - now).total_seconds()), 1),
            )
        verification.destination = destination
        verification.status = Verification.Status.PENDING
        verification.method, verification.verified_at = "", None
        verification.verified_by, verification.verified_by_label = None, ""
        verification.code_hash = code_digest(verification, code)
        verification.code_expires_at = now + CODE_LIFETIME
        verification.code_attempts = 0
        verification.code_sent_at = now
        verification.codes_sent_on, verification.codes_sent_count = today, sent_today + 1
        _save(verification, actor, CODE_SENT)
        delivery = MessageDelivery.objects.create(
            organization_id=patient.organization_id, patient=patient, channel=channel, destination=destination,
            purpose="verification_code",
        )
    from patients.tasks import deliver_verification_code  # late: patients.tasks imports this module

    metrics.code(channel, "requested")
    deliver_verification_code(delivery, code)
    verification.delivery = delivery
    verification.resend_after = int(RESEND_COOLDOWN.total_seconds())
    return verification


def _clean_code(code) -> str | None:
    text = "".join(str(code if code is not None else "").split()).replace("-", "")
    return text if len(text) == CODE_DIGITS and text.isascii() and text.isdigit() else None


@metrics.counts_refusals("confirm_code")
def confirm_verification(patient: Patient, channel: str, code, *, actor: Actor) -> Verification:
    """Check `code` against the channel's live code; on success the channel is verified with
    method `code`, the time and the caller. A wrong code counts against the 5 allowed tries
    (that count is kept even though an error is raised)."""
    check_channel(channel)
    _check_actor(patient, actor)
    cleaned = _clean_code(code)
    if cleaned is None:
        raise PatientRuleError({"code": [_("Enter the %(digits)s-digit code.") % {"digits": CODE_DIGITS}]})
    with transaction.atomic():
        outcome = _confirm_locked(patient, channel, cleaned, actor)
    if outcome.error is not None:
        raise outcome.error
    metrics.code(channel, "confirmed")
    return outcome.verification


def _confirm_locked(patient, channel, code, actor) -> ConfirmOutcome:
    now = timezone.now()
    verification = (
        Verification.objects.for_organization(patient.organization_id)
        .filter(patient=patient, channel=channel).select_for_update().first()
    )

    def refuse(message, error_class=PatientRuleError):
        return ConfirmOutcome(verification, error_class({"code": [message]}))

    if verification is None or not verification.code_hash:
        if verification is not None and verification.status == Verification.Status.VERIFIED:
            return refuse(_message(channel, "already_verified"), PatientConflictError)
        return refuse(_("No code is waiting to be confirmed. Send a new code."))
    if verification.destination != destination_of(patient, channel):
        return refuse(_message(channel, "changed"))
    if verification.code_attempts >= MAX_WRONG_CODES:
        return refuse(
            _("This code was entered wrongly %(count)s times and no longer works. Send a new code.")
            % {"count": MAX_WRONG_CODES}
        )
    if verification.code_expires_at is None or verification.code_expires_at <= now:
        return refuse(_("This code has expired. Send a new code."))
    if not constant_time_compare(verification.code_hash, code_digest(verification, code)):
        verification.code_attempts += 1
        _save(verification, actor, WRONG_CODE)
        left = MAX_WRONG_CODES - verification.code_attempts
        if left:
            return refuse(
                ngettext("The code is not correct. %(left)s try left.", "The code is not correct. %(left)s tries left.",
                         left) % {"left": left}
            )
        return refuse(_("The code is not correct. No tries left: send a new code."))
    _mark_verified(verification, Verification.Method.CODE, actor, now)
    _save(verification, actor, CONFIRMED)
    return ConfirmOutcome(verification)


def _mark_verified(verification, method, actor, now):
    verification.status = Verification.Status.VERIFIED
    verification.method = method
    verification.verified_at = now
    verification.verified_by = actor.user
    verification.verified_by_label = actor.label[:200]
    verification.code_hash, verification.code_expires_at, verification.code_attempts = "", None, 0


def mark_verified_in_person(patient: Patient, channel: str, *, actor: Actor) -> Verification:
    """A staff member checked the address or number with the patient in front of them."""
    check_channel(channel)
    if actor.user is None:
        raise PermissionDenied("Only clinic staff can mark a channel verified in person.")
    destination = destination_of(patient, channel)
    if not destination:
        raise PatientRuleError({channel: [_message(channel, "none_to_verify")]})
    with transaction.atomic():
        verification = _locked_verification(patient, channel, actor)
        verification.destination = destination
        _mark_verified(verification, Verification.Method.IN_PERSON, actor, timezone.now())
        _save(verification, actor, IN_PERSON)
    return verification


def verification_statuses(patient: Patient) -> dict[str, dict]:
    """{"email": {"status": ..., "method": ..., "verified_at": ...}, "phone": {...}} from the rows
    (a channel without a row is unverified). Uses a prefetched `verifications` when present."""
    rows = {v.channel: v for v in patient.verifications.all()}
    answer = {}
    for channel in CHANNELS:
        row = rows.get(channel)
        verified = row is not None and row.status == Verification.Status.VERIFIED
        answer[channel] = {
            "status": row.status if row is not None else Verification.Status.UNVERIFIED.value,
            "method": row.method if verified else None,
            "verified_at": row.verified_at if verified else None,
        }
    return answer


def status_by_channel(patient: Patient) -> dict[str, str]:
    """{"email": "verified", "phone": "unverified"}: `verification_statuses` without the details.
    Uses the patient's `link_summary` (patients.selectors.load_link_summaries) when present."""
    summary = getattr(patient, "link_summary", None)
    if summary is not None:
        stated = summary.verification_statuses
        return {channel: stated.get(channel, Verification.Status.UNVERIFIED.value) for channel in CHANNELS}
    return {channel: row["status"] for channel, row in verification_statuses(patient).items()}
