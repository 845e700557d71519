"""`Authorization: Bearer pat_...` for a signed-in patient (see patients/accounts.py).

Used only by the patient-facing views (sign-out, /me, verifications): it is not in the project's
default authentication classes, so a patient token never opens a staff endpoint.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication

from organizations.authentication import bearer_credential
from patients.accounts import TOKEN_PREFIX, token_for_raw
from patients.models import Patient


@dataclass(frozen=True)
class SignedInPatient:
    """`request.user` for a patient token: authenticated, never staff."""

    patient: Patient
    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False

    @property
    def pk(self):
        return f"patient:{self.patient.pk}"  # distinct from staff user ids (throttling keys on it)


class PatientTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        raw = bearer_credential(request, noun="token")
        if raw is None or not raw.startswith(TOKEN_PREFIX):
            return None  # no token, or an API key: another class decides
        token = token_for_raw(raw)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token. Sign in again."))
        request.patient_token = token
        return (SignedInPatient(token.patient), token)

    def authenticate_header(self, request):
        return 'Bearer realm="patients"'


def signed_in_patient(request) -> Patient | None:
    user = getattr(request, "user", None)
    return user.patient if isinstance(user, SignedInPatient) else None


class PatientTokenScheme(OpenApiAuthenticationExtension):
    target_class = "patients.api.authentication.PatientTokenAuthentication"
    name = "patientToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http", "scheme": "bearer",
            "description": "A patient token from POST /api/v1/patients/sign-in (valid 12 hours).",
        }
