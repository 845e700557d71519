"""Patient accounts: sign-in with the `email#organization-slug` username, bearer tokens, sign-out.

A patient's login is separate from staff users: a patient token can only ever reach the
patient's own record (see patients/api/authentication.py).
"""

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.hashers import check_password, is_password_usable, make_password
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from patients import metrics
from patients.errors import SignInError
from patients.models import Patient, PatientToken

TOKEN_PREFIX = "pat_"
TOKEN_LIFETIME = timedelta(hours=12)
MAX_FAILED_SIGN_INS = 10
CLOSED = (Patient.Status.ARCHIVED, Patient.Status.MERGED)  # records that cannot sign in
LOCKOUT = timedelta(minutes=15)


def hash_token(raw: str) -> str:
    # Tokens are 256-bit random strings: a fast hash is enough (nothing to guess from) and keeps
    # each authenticated request to one indexed lookup.
    return hashlib.sha256(raw.encode()).hexdigest()


def _find_account(username: str, organization=None) -> Patient | None:
    email, sep, slug = username.rpartition("#")
    if not sep or not email or not slug:
        return None
    patients = Patient.objects.select_related("organization").filter(
        username=username, organization__slug=slug, organization__is_active=True
    ).exclude(status__in=CLOSED)
    if organization is not None:
        patients = patients.for_organization(organization)
    return patients.first()


@metrics.counts_refusals("sign_in")
def sign_in(username, password, *, organization=None) -> tuple[PatientToken, str]:
    """Check a patient's username (`email#organization-slug`) and password; return (token, raw token).

    `organization` (e.g. from a clinic's own portal domain) restricts the search to it. Every
    refusal raises the same `SignInError`, and costs one password hash, whether or not the
    account exists. 10 failures in a row lock the account for 15 minutes.
    """
    username = str(username or "").strip().lower()
    password = str(password or "")
    patient = _find_account(username, organization)
    if patient is None or not is_password_usable(patient.password or None):
        make_password(password)  # the same work as checking a real password, so timing tells nothing
        raise SignInError()

    def upgrade_hash(raw):
        Patient.objects.filter(pk=patient.pk).update(password=make_password(raw))

    correct = check_password(password, patient.password, upgrade_hash)
    # Each outcome is one conditional UPDATE, decided by the row as it is when the UPDATE runs (row
    # lock), never by what was read above: parallel failures all count, and a right password does
    # not clear a lock that a parallel failure has just set.
    now = timezone.now()
    rows = Patient.objects.filter(pk=patient.pk)
    if not correct or not rows.exclude(locked_until__gt=now).update(failed_sign_ins=0, locked_until=None):
        if not correct:
            _count_failure(rows, now)
        raise SignInError()
    return issue_token(patient)


def _count_failure(rows, now) -> None:
    """One more failure; the MAX_FAILED_SIGN_INS-th in a row locks the account for LOCKOUT.

    Failures during a lock count but do not extend it; the first failure after a lock has run out
    starts a new count."""
    lock_ran_out = Q(locked_until__lte=now)
    rows.update(
        failed_sign_ins=Case(When(lock_ran_out, then=Value(1)), default=F("failed_sign_ins") + 1),
        locked_until=Case(
            When(locked_until__gt=now, then=F("locked_until")),
            When(locked_until__isnull=True, failed_sign_ins__gte=MAX_FAILED_SIGN_INS - 1, then=Value(now + LOCKOUT)),
            default=None,
        ),
    )


def issue_token(patient: Patient) -> tuple[PatientToken, str]:
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = PatientToken.objects.create(
        organization_id=patient.organization_id, patient=patient, token_hash=hash_token(raw),
        expires_at=timezone.now() + TOKEN_LIFETIME,
    )
    return token, raw


def token_for_raw(raw: str) -> PatientToken | None:
    """The usable token (not expired, not revoked, patient neither archived nor merged, organization
    active), or None."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    return (
        PatientToken.objects.select_related("patient", "patient__organization")
        .filter(
            token_hash=hash_token(raw), revoked_at__isnull=True, expires_at__gt=timezone.now(),
            patient__organization__is_active=True,
        )
        .exclude(patient__status__in=CLOSED)
        .first()
    )


def patient_for_token(raw: str) -> Patient | None:
    token = token_for_raw(raw)
    return token.patient if token is not None else None


def sign_out(token: PatientToken) -> None:
    """Revoke `token`."""
    PatientToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def sign_out_everywhere(patient: Patient) -> int:
    """Revoke every token of `patient` (e.g. after a password change); returns how many."""
    return PatientToken.objects.filter(patient=patient, revoked_at__isnull=True).update(revoked_at=timezone.now())
