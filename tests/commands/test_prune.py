"""`python manage.py prune`: old idempotency records, message deliveries, task results and dead
tokens go, a batch at a time; patients and their history never do; a second run removes nothing."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from patients.access_log import AccessAction, AccessEvent, record_access
from patients.accounts import issue_token
from patients.models import IdempotencyRecord, MessageDelivery, Patient, PatientToken
from tests.factories import PatientFactory

NOW = timezone.now()


def aged(row, **moments):
    type(row)._base_manager.filter(pk=row.pk).update(**moments)
    return row


def task(status, finished_days_ago=None, enqueued_days_ago=0):
    finished = NOW - timedelta(days=finished_days_ago) if finished_days_ago is not None else None
    row = DBTaskResult.objects.create(
        status=status, args_kwargs={"args": [], "kwargs": {}}, task_path="patients.tasks.send_verification_code",
        backend_name="default", run_after=NOW, finished_at=finished,
    )
    return aged(row, enqueued_at=NOW - timedelta(days=enqueued_days_ago))


@pytest.fixture
def rows(organization, settings):
    settings.IDEMPOTENCY_REPLAY_HOURS = 24
    settings.PRUNE_MESSAGE_DELIVERIES_DAYS = 30
    settings.PRUNE_TASK_RESULTS_DAYS = 14
    settings.PRUNE_TOKENS_DAYS = 0
    patient = PatientFactory(organization=organization)

    def record(key, hours_ago):
        row = IdempotencyRecord.objects.create(organization=organization, key=key, request_fingerprint="f",
                                               response_status=201, response_body={})
        return aged(row, created_at=NOW - timedelta(hours=hours_ago))

    def delivery(days_ago):
        row = MessageDelivery.objects.create(organization=organization, patient=patient, channel="email",
                                             destination="a@example.com", state="sent")
        return aged(row, created_at=NOW - timedelta(days=days_ago))

    def token(**moments):
        row, _ = issue_token(patient)
        return aged(row, **moments)

    return {
        "gone": [
            record("old", 25), delivery(31),
            task("SUCCESSFUL", finished_days_ago=15), task("FAILED", finished_days_ago=20),
            token(expires_at=NOW - timedelta(minutes=1)), token(revoked_at=NOW - timedelta(hours=1)),
        ],
        "kept": [
            record("recent", 23), delivery(29),
            task("SUCCESSFUL", finished_days_ago=13), task("READY", enqueued_days_ago=60),
            task("RUNNING", enqueued_days_ago=60),
            token(),
        ],
        "patient": patient,
    }


def remaining(rows):
    return {
        row for row in rows
        if type(row)._base_manager.filter(pk=row.pk).exists()
    }


def prune(*args) -> str:
    out = StringIO()
    call_command("prune", *args, stdout=out)
    return out.getvalue()


def test_prune_removes_exactly_what_is_past_its_time(rows, staff_actor):
    record_access(actor=staff_actor, patient=rows["patient"], action=AccessAction.VIEW)
    aged(rows["patient"], created_at=NOW - timedelta(days=3650))
    patients, history, events = Patient.objects.count(), Patient.history.count(), AccessEvent.objects.count()

    out = prune()

    assert remaining(rows["gone"]) == set()
    assert remaining(rows["kept"]) == set(rows["kept"])
    assert (Patient.objects.count(), Patient.history.count(), AccessEvent.objects.count()) == (
        patients, history, events) and events == 1
    assert "idempotency records: removed 1" in out
    assert "message deliveries: removed 1" in out
    assert "task results: removed 2" in out
    assert "patient tokens: removed 2" in out


def test_a_second_run_removes_nothing(rows):
    prune()

    out = prune()

    assert remaining(rows["kept"]) == set(rows["kept"])
    assert out.count("removed 0") == 4


def test_small_batches_remove_the_same(rows):
    prune("--batch-size", "1")

    assert remaining(rows["gone"]) == set() and remaining(rows["kept"]) == set(rows["kept"])


def test_dry_run_counts_and_removes_nothing(rows):
    out = prune("--dry-run")

    assert "patient tokens: would remove 2" in out and "task results: would remove 2" in out
    assert remaining(rows["gone"]) == set(rows["gone"])


def test_the_windows_are_settings(rows, settings):
    settings.PRUNE_MESSAGE_DELIVERIES_DAYS = 7
    settings.IDEMPOTENCY_REPLAY_HOURS = 1

    prune()

    assert IdempotencyRecord.objects.count() == 0
    assert MessageDelivery.objects.count() == 0
    assert PatientToken.objects.count() == 1
