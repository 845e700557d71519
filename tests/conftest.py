"""Shared fixtures: an organization with an owner (org admin), a member (front desk) and an
outsider (staff of another organization), plus the other organization itself."""

import pytest

from organizations.models import Membership
from patients.actors import Actor
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory


@pytest.fixture
def organization(db):
    return OrganizationFactory(name="Maple Clinic", slug="maple", default_phone_region="CA")


@pytest.fixture
def other_organization(db):
    return OrganizationFactory(name="Birch Clinic", slug="birch", default_phone_region="CA")


@pytest.fixture
def owner(organization):
    user = UserFactory(username="owner")
    MembershipFactory(user=user, organization=organization, role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def member(organization):
    user = UserFactory(username="member")
    MembershipFactory(user=user, organization=organization, role=Membership.Role.FRONT_DESK)
    return user


@pytest.fixture
def outsider(other_organization):
    user = UserFactory(username="outsider")
    MembershipFactory(user=user, organization=other_organization, role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True)


@pytest.fixture
def staff_actor(member):
    return Actor.for_user(member)


@pytest.fixture
def api_key(organization):
    from organizations.services import issue_api_key

    key, raw = issue_api_key(organization, name="EMR bridge")
    key.raw = raw
    return key


@pytest.fixture
def other_api_key(other_organization):
    from organizations.services import issue_api_key

    key, raw = issue_api_key(other_organization, name="Other bridge")
    key.raw = raw
    return key


def pytest_collection_modifyitems(config, items):
    from django.conf import settings
    from django.db import connection

    if "replica" not in settings.DATABASES:
        skip = pytest.mark.skip(reason="needs a streaming standby: run `make replica` and set REPLICA_DATABASE_URL="
                                       "postgres://postgres@127.0.0.1:5433/<database> (CI does both)")
        for item in items:
            if "needs_replica" in item.keywords:
                item.add_marker(skip)

    if connection.vendor != "postgresql":
        skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://...); SQLite serializes writers")
        for item in items:
            if "postgres_only" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(autouse=True)
def _access_log_flushable(request):
    """Transactional tests end with a flush, which on SQLite is a DELETE that the access log's
    append-only trigger refuses (PostgreSQL's TRUNCATE is not a row DELETE). Empty the log with
    its triggers lifted first; the next test finds them back in place."""
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or "live_server" in request.fixturenames or (
        marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0]))
    )
    if not transactional:
        yield
        return
    request.getfixturevalue("transactional_db")  # set up before this fixture, so torn down after it
    yield
    from django.db import connection

    from patients.access_log import triggers

    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for sql in triggers.SQLITE_REMOVE:
            cursor.execute(sql)
        cursor.execute(f"DELETE FROM {triggers.TABLE}")
        for sql in triggers.SQLITE_INSTALL:
            cursor.execute(sql)
