"""Background delivery (patients/tasks.py): retries, the MessageDelivery record, the database
queue, and the clear code not lingering in the task table."""

import json
import socket
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from rest_framework.test import APIClient

from patients import tasks
from patients import verification as service
from patients.actors import Actor
from patients.models import Channel, MessageDelivery, Verification
from tests.verification.conftest import email_code, last_code, register
from tests.verification.gateway import start_gateway

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def gateway(settings):
    gateway, server = start_gateway()
    settings.SMS_BACKEND = "webhook"
    settings.SMS_WEBHOOK_URL = gateway.url
    settings.SMS_WEBHOOK_SECRET = "shared-secret-for-tests"
    yield gateway
    server.shutdown()
    server.server_close()


def me(patient):
    return Actor(channel=Channel.PATIENT, patient=patient)


def code_tasks():
    """The queued deliveries of codes (a registration also queues the duplicates worklist's refresh)."""
    return DBTaskResult.objects.filter(task_path__endswith=".send_verification_code")


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- immediate backend (development, tests) ---------------------------------------------------------

def test_a_failed_sms_is_retried_and_recorded(account, gateway):
    gateway.statuses = [503]

    service.start_verification(account, "phone", actor=me(account))

    first, second = gateway.received
    assert first.json["to"] == second.json["to"] == "+14165550134"
    assert first.json["body"] == second.json["body"]  # the same code, tried again
    delivery = MessageDelivery.objects.get()
    assert delivery.state == MessageDelivery.State.SENT
    assert delivery.attempts == 2
    assert "HTTP 503" in delivery.last_error
    assert delivery.sent_at is not None
    code = last_code(second.json["body"])
    assert service.confirm_verification(account, "phone", code, actor=me(account)).status == "verified"


def test_a_delivery_that_keeps_failing_is_given_up_logged_and_never_fails_the_request(
    patient_client, account, gateway, caplog
):
    gateway.statuses = [500] * 10

    answer = patient_client.post(f"/api/v1/patients/{account.pk}/verifications/phone")

    assert answer.status_code == 202
    assert len(gateway.received) == tasks.MAX_ATTEMPTS
    delivery = MessageDelivery.objects.get()
    assert delivery.state == MessageDelivery.State.FAILED
    assert delivery.attempts == tasks.MAX_ATTEMPTS
    assert "HTTP 500" in delivery.last_error and "Gave up after 5 tries" in delivery.last_error
    assert any(r.levelname == "ERROR" and "failed for good" in r.getMessage() for r in caplog.records)


def test_an_email_server_that_cannot_be_reached(account, settings, caplog):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port(), 2

    row = service.start_verification(account, "email", actor=me(account))

    assert row.status == Verification.Status.PENDING  # the request went through
    delivery = MessageDelivery.objects.get()
    assert delivery.state == MessageDelivery.State.FAILED and delivery.attempts == tasks.MAX_ATTEMPTS
    assert delivery.last_error


def test_a_queue_that_refuses_the_task_marks_the_delivery_failed(account, settings, mailoutbox):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                                  "QUEUES": ["somewhere-else"]}}

    row = service.start_verification(account, "email", actor=me(account))

    assert row.status == Verification.Status.PENDING
    delivery = MessageDelivery.objects.get()
    assert delivery.state == MessageDelivery.State.FAILED
    assert delivery.last_error.startswith("Could not be queued")
    assert not mailoutbox


def test_the_code_is_in_the_message_only(account, mailoutbox):
    service.start_verification(account, "email", actor=me(account))

    code = email_code(mailoutbox, account.email)
    delivery = MessageDelivery.objects.get()
    stored = json.dumps([list(MessageDelivery.objects.values().get().values()),
                         list(Verification.objects.values().get().values())], default=str)
    assert code not in stored and delivery.state == "sent"


# --- database backend (production) ------------------------------------------------------------------

def test_the_database_queue_delivers_in_the_worker_and_forgets_the_code(transactional_db, settings, mailoutbox):
    settings.TASKS = DATABASE_QUEUE
    from tests.factories import OrganizationFactory

    patient = register(OrganizationFactory(slug="maple", name="Maple Clinic"))
    service.start_verification(patient, "email", actor=me(patient))

    queued = code_tasks().get()
    assert not mailoutbox  # nothing is sent inside the request
    assert MessageDelivery.objects.get().state == MessageDelivery.State.QUEUED
    code_in_queue = queued.args_kwargs["kwargs"]["code"]

    run_worker()

    assert email_code(mailoutbox, patient.email) == code_in_queue
    assert MessageDelivery.objects.get().state == MessageDelivery.State.SENT
    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL"
    assert code_in_queue not in json.dumps(queued.args_kwargs)
    assert queued.args_kwargs["kwargs"]["code"] == tasks.REDACTED


def test_the_database_queue_retries_later(transactional_db, settings, gateway):
    settings.TASKS = DATABASE_QUEUE
    from tests.factories import OrganizationFactory

    patient = register(OrganizationFactory(slug="maple", name="Maple Clinic"))
    gateway.statuses = [500]
    service.start_verification(patient, "phone", actor=me(patient))

    run_worker()

    delivery = MessageDelivery.objects.get()
    assert (delivery.state, delivery.attempts) == (MessageDelivery.State.QUEUED, 1)
    assert "HTTP 500" in delivery.last_error
    first, retry = code_tasks().order_by("enqueued_at")
    assert first.args_kwargs["kwargs"]["code"] == tasks.REDACTED
    assert retry.status == "READY" and retry.args_kwargs["kwargs"]["attempt"] == 2
    wait = retry.run_after - timezone.now()
    assert timedelta(seconds=5) < wait <= timedelta(seconds=tasks.RETRY_DELAYS[0])

    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())  # 15 seconds later
    run_worker()

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (MessageDelivery.State.SENT, 2)
    assert len(gateway.received) == 2
    retry.refresh_from_db()
    assert retry.args_kwargs["kwargs"]["code"] == tasks.REDACTED


def test_a_code_replaced_before_the_worker_ran_is_not_sent(transactional_db, settings, mailoutbox):
    settings.TASKS = DATABASE_QUEUE
    from tests.factories import OrganizationFactory

    patient = register(OrganizationFactory(slug="maple", name="Maple Clinic"))
    service.start_verification(patient, "email", actor=me(patient))
    Verification.objects.update(code_sent_at=timezone.now() - timedelta(minutes=2))
    service.start_verification(patient, "email", actor=me(patient))

    run_worker()

    assert len(mailoutbox) == 1
    stale, fresh = MessageDelivery.objects.order_by("pk")
    assert stale.state == MessageDelivery.State.FAILED and "replaced" in stale.last_error
    assert stale.attempts == 0
    assert fresh.state == MessageDelivery.State.SENT
    assert all(r.args_kwargs["kwargs"]["code"] == tasks.REDACTED for r in code_tasks())


def test_no_retry_is_planned_past_the_codes_expiry(account, gateway):
    gateway.statuses = [500] * 10
    row = service.start_verification(account, "phone", actor=me(account))
    code = last_code(gateway.received[0].json["body"])
    # Replay the first try of a code that has only 10 seconds left (less than the first retry delay).
    Verification.objects.filter(pk=row.pk).update(code_expires_at=timezone.now() + timedelta(seconds=10))
    MessageDelivery.objects.update(state=MessageDelivery.State.QUEUED, attempts=0, last_error="")
    gateway.received.clear()

    tasks.send_verification_code.enqueue(delivery_id=MessageDelivery.objects.get().pk, code=code, attempt=1)

    assert len(gateway.received) == 1
    delivery = MessageDelivery.objects.get()
    assert (delivery.state, delivery.attempts) == (MessageDelivery.State.FAILED, 1)
    assert "Gave up after 1 try." in delivery.last_error


def test_the_api_answers_before_delivery_on_the_database_queue(transactional_db, settings):
    settings.TASKS = DATABASE_QUEUE
    from tests.factories import OrganizationFactory

    patient = register(OrganizationFactory(slug="maple", name="Maple Clinic"))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Bearer " + api_token(patient))

    answer = api.post(f"/api/v1/patients/{patient.pk}/verifications/email")

    assert answer.status_code == 202
    assert MessageDelivery.objects.get().state == MessageDelivery.State.QUEUED


def api_token(patient):
    from patients.accounts import issue_token

    return issue_token(patient)[1]
