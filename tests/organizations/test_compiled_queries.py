"""`CompiledLookup` (the API-key lookup of every API request): the ORM's SQL compiled once, run with
new values, answering exactly what the queryset itself answers."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from organizations.authentication import _find_key, _usable_key
from organizations.compiled_queries import CompiledLookup
from organizations.models import ApiKey, hash_api_key
from organizations.services import issue_api_key


@pytest.fixture
def keys(organization, other_organization):
    now = timezone.now()
    made = {}
    for name, org, changes in [
        ("live", organization, {}),
        ("expiring later", organization, {"expires_at": now + timedelta(days=1)}),
        ("expired", organization, {"expires_at": now - timedelta(seconds=1)}),
        ("revoked", organization, {"revoked_at": now}),
        ("other clinic", other_organization, {}),
        ("clinic switched off", other_organization, {}),
    ]:
        key, raw = issue_api_key(org, name=name)
        ApiKey.objects.filter(pk=key.pk).update(**changes)
        made[name] = raw
    other_organization.is_active = False
    other_organization.save()
    return made


def queryset_answer(raw):
    return ApiKey.objects.usable().select_related("organization").filter(key_hash=hash_api_key(raw)).first()


def test_finds_what_the_queryset_finds_for_every_kind_of_key(keys):
    for name, raw in [*keys.items(), ("unknown", "pik_not-a-key")]:
        expected, found = queryset_answer(raw), _find_key(raw)
        assert (found is None) == (expected is None), name
        if expected is not None:
            assert found.pk == expected.pk
            assert [getattr(found, f.attname) for f in ApiKey._meta.concrete_fields] == [
                getattr(expected, f.attname) for f in ApiKey._meta.concrete_fields]
    assert {n for n, raw in keys.items() if _find_key(raw)} == {"live", "expiring later"}


def test_the_organization_comes_with_the_key_fully_read(keys, organization):
    found = _find_key(keys["live"])
    with CaptureQueriesContext(connection) as captured:
        org = found.organization
        fields = [getattr(org, f.attname) for f in org._meta.concrete_fields]
    assert not captured.captured_queries
    organization.refresh_from_db()
    assert fields == [getattr(organization, f.attname) for f in organization._meta.concrete_fields]
    assert org.required_fields == organization.required_fields  # a JSON field, converted like the ORM does


def test_compiles_once_per_database_and_runs_one_statement(keys):
    _find_key(keys["live"])
    compiled = _usable_key._compiled[connection.alias]
    with CaptureQueriesContext(connection) as captured:
        _find_key(keys["expiring later"])
    assert _usable_key._compiled[connection.alias] is compiled
    assert len(captured.captured_queries) == 1


def test_a_marker_the_compiled_query_does_not_hold_once_is_refused(organization):
    twice = CompiledLookup(lambda name: ApiKey.objects.filter(name=name, prefix=name), name="\x00twice")
    with pytest.raises(ValueError, match="2 times"):
        twice.first(using=connection.alias, name="x")
    unused = CompiledLookup(lambda name: ApiKey.objects.all(), name="\x00unused")
    with pytest.raises(ValueError, match="0 times"):
        unused.first(using=connection.alias, name="x")
