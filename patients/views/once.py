"""Double submits (a double click, the back button) never save twice.

Each intake form carries a random token. The first POST with it records the token together
with the saved patient, in the same transaction as the save; a repeat finds the record and
gets the first result. Concurrent repeats meet on the record's unique key.
"""

import secrets

from django.db import IntegrityError, transaction

from organizations.scoping import get_for_organization_or_404
from patients.models import IdempotencyRecord, Patient

KEY_PREFIX = "frontdesk:"
FINGERPRINT = "frontdesk-form"


def new_form_token() -> str:
    return secrets.token_urlsafe(24)


def _saved_patient(organization, key):
    record = IdempotencyRecord.objects.for_organization(organization).filter(key=key).first()
    if record is None or not record.response_body:
        return None
    return get_for_organization_or_404(Patient, organization, pk=record.response_body["patient_id"])


def save_once(organization, token, save):
    """Run `save()` (which returns a Patient) once per token. Returns (patient, saved_now)."""
    token = (token or "").strip()[:200]
    if not token:
        return save(), True
    key = KEY_PREFIX + token
    earlier = _saved_patient(organization, key)
    if earlier is not None:
        return earlier, False
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                organization=organization, key=key, request_fingerprint=FINGERPRINT
            )
            patient = save()
            record.response_status = 200
            record.response_body = {"patient_id": str(patient.pk)}
            record.save(update_fields=["response_status", "response_body"])
    except IntegrityError:
        # Another request with this token saved first (it held the key until it committed).
        earlier = _saved_patient(organization, key)
        if earlier is None:
            raise
        return earlier, False
    return patient, True
