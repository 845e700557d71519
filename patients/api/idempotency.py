"""`Idempotency-Key`: a POST repeated with the same key and body gets the first answer again.

The record is inserted in the same transaction as the work it guards. A racing duplicate's
INSERT waits on the unique constraint (organization, key) until the first request commits,
then fails and replays the stored answer; if the first request fails, nothing was stored and
the duplicate does the work itself. Only successful answers are stored: a rejected request
writes nothing, so repeating it gives the same error again.

Keys are scoped to the caller (one API key, one staff user, or the public self-registration
door), so one system cannot replay another's answers.
"""

import json

from django.db import IntegrityError, transaction
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from patients.api.errors import FieldErrors, IdempotencyKeyInProgress, IdempotencyKeyReused
from patients.models import IdempotencyRecord

IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200
REPLAY_HEADER = "Idempotent-Replayed"
REPLAYED_HEADERS = ("Location",)  # besides the status and body, what a replay repeats


def caller_scope(caller) -> str:
    if caller.api_key is not None:
        return f"key:{caller.api_key.pk}"
    if caller.user is not None:
        return f"user:{caller.user.pk}"
    return "public"


def request_fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), cls=JSONEncoder)
    # Keyed with SECRET_KEY: the body may hold a password, and a plain hash could be guessed offline.
    return salted_hmac("idempotency-key", f"{request.method} {request.path}\n{body}", algorithm="sha256").hexdigest()


def _idempotency_key(request) -> str | None:
    raw = request.headers.get(IDEMPOTENCY_HEADER)
    if raw is None:
        return None
    key = raw.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise FieldErrors(
            {IDEMPOTENCY_HEADER: [_("Send 1 to %(max)s printable characters, e.g. a UUID.") % {"max": MAX_KEY_LENGTH}]},
            _("The Idempotency-Key header is not valid."),
        )
    return key


class _SeenBefore(Exception):
    pass


def _replay(record: IdempotencyRecord, fingerprint: str) -> Response:
    if record.request_fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    if record.response_status is None:
        raise IdempotencyKeyInProgress()
    headers = {**(record.response_headers or {}), REPLAY_HEADER: "true"}
    body = json.loads(record.response_text) if record.response_text else record.response_body
    return Response(body, status=record.response_status, headers=headers)


def run_idempotently(request, caller, produce) -> Response:
    """`produce()` once per (caller, Idempotency-Key); repeats replay its response."""
    key = _idempotency_key(request)
    if key is None:
        return produce()
    organization = caller.organization
    stored_key = f"{caller_scope(caller)}:{key}"
    fingerprint = request_fingerprint(request)
    try:
        with transaction.atomic():
            try:
                record = IdempotencyRecord.objects.create(
                    organization=organization, key=stored_key, request_fingerprint=fingerprint
                )
            except IntegrityError as exc:
                raise _SeenBefore from exc  # leaves (and rolls back) the failed transaction
            response = produce()
            record.response_status = response.status_code
            record.response_text = json.dumps(response.data, cls=JSONEncoder)
            record.response_body = json.loads(record.response_text)
            record.response_headers = {h: response[h] for h in REPLAYED_HEADERS if response.has_header(h)}
            record.save(update_fields=["response_status", "response_body", "response_text", "response_headers"])
    except _SeenBefore:
        record = IdempotencyRecord.objects.for_organization(organization).filter(key=stored_key).first()
        if record is None:
            raise IdempotencyKeyInProgress() from None
        return _replay(record, fingerprint)
    return response
