"""The replica tests: a real streaming standby (`make replica`), its replay paused where lag matters."""

import subprocess
import time
from contextlib import contextmanager

import pytest
from django.core.cache import cache
from django.db import OperationalError, connections

from config import replica
from config.settings import BASE_DIR
from tests.api.patients_helpers import client_with_key

REPLICA_SCRIPT = BASE_DIR / "scripts" / "replica.sh"


@pytest.fixture
def reads_on_replica(settings):
    """Searches and lists read from the standby, as in production; caches and failure memory fresh."""
    settings.READ_FROM_REPLICA = True
    settings.REPLICA_RETRY_SECONDS = 0
    cache.clear()
    replica._down_until = 0.0
    yield
    cache.clear()


def on_standby(sql: str):
    with connections["replica"].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def caught_up(timeout: float = 10):
    """Wait until the standby has replayed everything the primary committed so far."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        target = cursor.fetchone()[0]
    deadline = time.monotonic() + timeout
    while not _replayed(target):
        assert time.monotonic() < deadline, "the standby did not catch up"
        time.sleep(0.05)


def _replayed(target) -> bool:
    try:
        return on_standby(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn") is True
    except OperationalError:
        # The test database is being (re)created on the primary and the standby is replaying it:
        # the standby throws its clients out of a database it drops. Connect again.
        connections["replica"].close()
        return False


@contextmanager
def replay_paused():
    """The standby stops applying WAL: what the primary commits now is not on the standby (lag)."""
    caught_up()
    on_standby("SELECT pg_wal_replay_pause()::text")
    try:
        yield
    finally:
        on_standby("SELECT pg_wal_replay_resume()::text")


def standby(action: str):
    subprocess.run(["bash", str(REPLICA_SCRIPT), action], check=True, capture_output=True, timeout=180)


@pytest.fixture
def key_client(organization):
    from organizations.services import issue_api_key

    def make(name):
        _, raw = issue_api_key(organization, name=name)
        return client_with_key(raw)

    return make
