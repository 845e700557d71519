"""Background delivery of verification codes with django-tasks.

`deliver_verification_code` queues one `send_verification_code` task per code; the task sends the
email (Django's email framework, `EMAIL_URL`) or the SMS (patients/sms.py) and records every try
in the MessageDelivery row. django-tasks has no retries of its own, so a failed try queues the next
one itself, later (`run_after`) on a backend that can defer (the database backend), at once on the
immediate backend; after MAX_ATTEMPTS tries, or once the code has expired or been replaced, the
delivery is marked failed and logged as an error. Nothing here ever raises into the request.

The clear code travels in the task's arguments, because the worker has to put it in the message.
With the database backend those arguments are a row in the task table, so each task blanks its own
code as soon as it has run (sent or given up); a task that never runs holds a code that stops
working 10 minutes after it was issued.
"""

import logging
from datetime import timedelta

from django.core.mail import EmailMessage
from django.db.models import F
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from patients import metrics
from patients.models import MessageDelivery, Verification
from patients.sms import get_sms_backend
from patients.verification import CODE_LIFETIME, code_is_current

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
RETRY_DELAYS = (15, 60, 120, 240)  # seconds before tries 2..5: all of them fit in the code's 10 minutes
REDACTED = "[removed after use]"


def deliver_verification_code(delivery: MessageDelivery, code: str) -> None:
    """Queue the first try. Never raises: a queue that cannot be reached marks the delivery failed."""
    _enqueue(delivery.pk, code, attempt=1)


def _enqueue(delivery_id: int, code: str, *, attempt: int, delay: int = 0) -> None:
    job = send_verification_code
    try:
        if delay and job.get_backend().supports_defer:
            job = job.using(run_after=timezone.now() + timedelta(seconds=delay))
        job.enqueue(delivery_id=delivery_id, code=code, attempt=attempt)
    except Exception as exc:
        logger.exception("Could not queue message delivery %s (try %s).", delivery_id, attempt)
        _failed_outright(delivery_id, f"Could not be queued: {exc}")


@task(takes_context=True)
def send_verification_code(context, delivery_id: int, code: str, attempt: int = 1) -> str:
    try:
        return _send(delivery_id, code, attempt)
    except Exception:
        # Whatever went wrong, the code must not end up in the task's stored traceback.
        logger.exception("Message delivery %s crashed.", delivery_id)
        _failed_outright(delivery_id, "Unexpected error; see the logs.")
        return MessageDelivery.State.FAILED
    finally:
        _forget_code(context)


def _send(delivery_id: int, code: str, attempt: int) -> str:
    delivery = MessageDelivery.objects.select_related("organization", "patient").filter(pk=delivery_id).first()
    if delivery is None or delivery.state != MessageDelivery.State.QUEUED:
        return delivery.state if delivery else "missing"
    verification = (
        Verification.objects.for_organization(delivery.organization_id)
        .filter(patient_id=delivery.patient_id, channel=delivery.channel).first()
    )
    if verification is None or verification.destination != delivery.destination or not code_is_current(
        verification, code
    ):
        _give_up(delivery, "The code was replaced, used or expired before it could be delivered.")
        return delivery.state

    MessageDelivery.objects.filter(pk=delivery.pk).update(attempts=F("attempts") + 1)
    try:
        _hand_over(delivery, code, verification.code_expires_at)
    except Exception as exc:
        error = f"Try {attempt}: {exc}"[:2000]
        logger.warning("Message delivery %s failed (%s).", delivery.pk, error)
        MessageDelivery.objects.filter(pk=delivery.pk).update(last_error=error)
        delay = RETRY_DELAYS[attempt - 1] if attempt <= len(RETRY_DELAYS) else None
        expires_at = verification.code_expires_at
        if attempt >= MAX_ATTEMPTS or delay is None or timezone.now() + timedelta(seconds=delay) >= expires_at:
            _give_up(delivery, error + f" Gave up after {attempt} {'try' if attempt == 1 else 'tries'}.")
        else:
            _enqueue(delivery.pk, code, attempt=attempt + 1, delay=delay)
        delivery.refresh_from_db(fields=["state"])
        return delivery.state
    MessageDelivery.objects.filter(pk=delivery.pk).update(state=MessageDelivery.State.SENT, sent_at=timezone.now())
    metrics.code(delivery.channel, "sent")
    return MessageDelivery.State.SENT


def _failed_outright(delivery_id: int, error: str) -> None:
    rows = MessageDelivery.objects.filter(pk=delivery_id)
    rows.update(state=MessageDelivery.State.FAILED, last_error=error[:2000])
    for channel in rows.values_list("channel", flat=True):
        metrics.code(channel, "failed")


def _give_up(delivery: MessageDelivery, error: str) -> None:
    logger.error("Message delivery %s to patient %s failed for good: %s", delivery.pk, delivery.patient_id, error)
    MessageDelivery.objects.filter(pk=delivery.pk).update(state=MessageDelivery.State.FAILED, last_error=error[:2000])
    delivery.state = MessageDelivery.State.FAILED
    metrics.code(delivery.channel, "failed")


def message_language(patient) -> str:
    """What a patient reads: their preferred language, else their clinic's."""
    return patient.preferred_language or patient.organization.language


def _hand_over(delivery: MessageDelivery, code: str, expires_at) -> None:
    organization = delivery.organization
    delivery.patient.organization = organization  # already loaded: no query for the language
    # The patient's language, and the time in their clinic's zone: "works until 14:10".
    with translation.override(message_language(delivery.patient)), timezone.override(organization.zone):
        values = {
            "clinic": organization.name, "code": code,
            "time": formats.time_format(timezone.localtime(expires_at)),
            "minutes": int(CODE_LIFETIME.total_seconds() // 60),
        }
        if delivery.channel == Verification.ChannelName.EMAIL:
            subject = _("%(clinic)s: your verification code") % values
            body = _(
                "Your verification code is %(code)s.\n\n"
                "Enter it to confirm this email address with %(clinic)s. It works until %(time)s "
                "(%(minutes)s minutes).\n"
                "If you did not ask for it, you can ignore this message."
            ) % values
        else:
            body = _("%(clinic)s: your verification code is %(code)s. It works until %(time)s.") % values
    if delivery.channel == Verification.ChannelName.EMAIL:
        EmailMessage(subject=subject, body=body, to=[delivery.destination]).send(fail_silently=False)
    else:
        get_sms_backend().send(
            delivery.destination, body,
            organization=organization.slug, delivery_id=delivery.pk, purpose=delivery.purpose,
        )


def _forget_code(context) -> None:
    db_result = getattr(context.task_result, "db_result", None)  # only the database backend stores arguments
    if db_result is None:
        return
    stored = dict(db_result.args_kwargs)
    stored["kwargs"] = {**stored.get("kwargs", {}), "code": REDACTED}
    type(db_result).objects.filter(pk=db_result.pk).update(args_kwargs=stored)
