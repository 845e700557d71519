"""`/health/live` and `/health/ready` for load balancers: JSON, no credentials, nothing revealed."""

import socket
import warnings

import pytest
from django.db import connection, connections
from django.db.migrations.recorder import MigrationRecorder

from operations.health import readiness_checks

CHECKS = {"database", "cache", "tasks", "migrations"}


def test_live_answers_without_touching_anything(client):
    answer = client.get("/health/live")  # no `db` fixture: any database access would raise here

    assert answer.status_code == 200
    assert answer.json() == {"status": "ok"}
    assert "no-cache" in answer["Cache-Control"]


def test_ready_when_everything_answers(client, db):
    answer = client.get("/health/ready")

    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "checks": dict.fromkeys(CHECKS, "ok")}


def test_a_pending_migration_is_not_ready(client, db):
    MigrationRecorder(connection).migration_qs.filter(app="patients").order_by("-id").first().delete()

    answer = client.get("/health/ready")

    assert answer.status_code == 503
    assert answer.json()["checks"]["migrations"] == "pending"
    assert answer.json()["failed"] == ["migrations"]
    assert answer.json()["status"] == "unavailable"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # free once the socket closes: nothing listens there


@pytest.fixture
def unreachable_replica(settings, tmp_path):
    """A `replica` alias whose server is down (PostgreSQL: a port nothing listens on)."""
    config = dict(connection.settings_dict)
    if connection.vendor == "postgresql":
        config.update(HOST="127.0.0.1", PORT=str(_closed_port()), NAME="intake_replica",
                      OPTIONS={**config.get("OPTIONS", {}), "connect_timeout": 2})
    else:
        config.update(NAME=str(tmp_path / "no-such-directory" / "replica.sqlite3"), TEST={})
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Overriding setting DATABASES")
        settings.DATABASES = {**settings.DATABASES, "replica": config}
    connections.settings["replica"] = config
    yield config
    connections["replica"].close()
    del connections["replica"]
    del connections.settings["replica"]


@pytest.fixture
def outside_test_transactions(django_db_setup, django_db_blocker):
    """The test database without a test case around it: Django's test case refuses any alias it was
    not told of (here the replica) before even trying to connect. Readiness only reads."""
    with django_db_blocker.unblock():
        yield


def test_an_unreachable_replica_is_not_ready_and_is_named(client, outside_test_transactions, unreachable_replica):
    answer = client.get("/health/ready")

    assert answer.status_code == 503
    body = answer.json()
    assert body["checks"] == {**dict.fromkeys(CHECKS, "ok"), "database:replica": "unavailable"}
    assert body["failed"] == ["database:replica"]
    # Nothing about where or what the database is.
    text = answer.content.decode()
    assert unreachable_replica["NAME"] not in text and "replica.sqlite3" not in text
    if connection.vendor == "postgresql":
        assert unreachable_replica["PORT"] not in text and "127.0.0.1" not in text


def test_every_configured_database_is_checked(settings, unreachable_replica):
    assert set(readiness_checks()) == CHECKS | {"database:replica"}


def test_an_unusable_cache_is_not_ready(client, db, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                                   "LOCATION": "/proc/intake-cannot-write-here"}}

    answer = client.get("/health/ready")

    assert answer.status_code == 503
    assert answer.json()["failed"] == ["cache"]


def test_an_unloadable_task_backend_is_not_ready(client, db, settings):
    settings.TASKS = {"default": {"BACKEND": "no.such.TaskBackend"}}

    answer = client.get("/health/ready")

    assert answer.status_code == 503
    assert answer.json()["failed"] == ["tasks"]


def test_the_database_task_backend_is_checked_with_its_table(client, db, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    assert client.get("/health/ready").json()["checks"]["tasks"] == "ok"


def test_no_credentials_needed_and_only_get(client, db):
    assert client.post("/health/ready").status_code == 405
    assert client.get("/health/ready", HTTP_AUTHORIZATION="Bearer nonsense").status_code == 200
