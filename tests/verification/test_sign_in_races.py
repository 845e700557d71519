"""Patient sign-in under parallel requests (PostgreSQL): every failure counts, and a right
password never clears a lock that a parallel failure set."""

import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from patients import accounts
from patients.models import Patient
from tests.api.test_concurrency import race
from tests.verification.conftest import sign_in

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

WRONG = "Wrong-password-1!"


def test_parallel_wrong_passwords_all_count(account):
    responses = race(lambda: sign_in(APIClient(), password=WRONG), times=8)

    assert [r.status_code for r in responses] == [401] * 8
    account.refresh_from_db()
    assert account.failed_sign_ins == 8
    assert account.locked_until is None


def test_parallel_wrong_passwords_past_the_limit_lock_the_account(account):
    responses = race(lambda: sign_in(APIClient(), password=WRONG), times=accounts.MAX_FAILED_SIGN_INS + 2)

    assert {r.status_code for r in responses} == {401}
    account.refresh_from_db()
    assert account.failed_sign_ins == accounts.MAX_FAILED_SIGN_INS + 2
    assert account.locked_until is not None
    assert sign_in(APIClient()).status_code == 401  # the right password, during the lock


def test_a_right_password_waiting_on_the_failure_that_locks_is_refused(account):
    """The 10th failure holds the row (uncommitted) while the right password arrives: the right
    password waits for it, then sees the lock and is refused; it does not clear it."""
    Patient.objects.filter(pk=account.pk).update(failed_sign_ins=accounts.MAX_FAILED_SIGN_INS - 1)
    failure_written, release = threading.Event(), threading.Event()
    answers = {}

    def tenth_failure():
        with transaction.atomic():
            accounts._count_failure(Patient.objects.filter(pk=account.pk), timezone.now())
            failure_written.set()
            release.wait(timeout=20)
        connection.close()

    def right_password():
        answers["right"] = sign_in(APIClient())
        connection.close()

    failing = threading.Thread(target=tenth_failure)
    failing.start()
    assert failure_written.wait(timeout=20)
    signing_in = threading.Thread(target=right_password)
    signing_in.start()
    wait_until_a_backend_waits_on_a_lock()
    release.set()
    failing.join(timeout=20)
    signing_in.join(timeout=20)

    assert answers["right"].status_code == 401
    account.refresh_from_db()
    assert account.locked_until is not None
    assert account.failed_sign_ins == accounts.MAX_FAILED_SIGN_INS


def wait_until_a_backend_waits_on_a_lock(tries=400):
    for _ in range(tries):
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
            if cursor.fetchone()[0]:
                return
        threading.Event().wait(0.05)
    raise AssertionError("the sign-in never waited on the locked row")
