"""API keys found recently are not looked up again, yet a revoked or deactivated one is refused at once."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from organizations.authentication import forget_cached_keys
from organizations.models import ApiKey
from organizations.services import revoke_api_key

URL = "/api/v1/patients"


@pytest.fixture(autouse=True)
def empty_cache():
    forget_cached_keys()
    yield
    forget_cached_keys()


def get(api_key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key.raw}")
    return client.get(URL)


def key_lookups(api_key):
    with CaptureQueriesContext(connection) as captured:
        response = get(api_key)
    return response, [q for q in captured.captured_queries if "organizations_apikey" in q["sql"]]


def test_a_key_used_again_is_not_looked_up_again(api_key):
    first, first_lookups = key_lookups(api_key)
    second, second_lookups = key_lookups(api_key)
    assert first.status_code == second.status_code == 200
    assert len(first_lookups) >= 1
    assert second_lookups == []


def test_a_key_revoked_after_use_is_refused_at_once(api_key):
    assert get(api_key).status_code == 200
    revoke_api_key(api_key)
    assert get(api_key).status_code == 401


def test_a_deactivated_organization_is_refused_at_once(api_key, organization):
    assert get(api_key).status_code == 200
    organization.is_active = False
    organization.save()
    assert get(api_key).status_code == 401


def test_a_key_that_expires_while_remembered_is_refused(api_key):
    assert get(api_key).status_code == 200
    # A second ahead: the next request (on a loaded machine too) comes well before it.
    api_key.expires_at = timezone.now() + timedelta(seconds=1)
    api_key.save()
    assert get(api_key).status_code == 200
    ApiKey.objects.filter(pk=api_key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    api_key.refresh_from_db()
    # The remembered copy expires by the clock even though nothing was saved through the model.
    import time

    time.sleep(1.05)
    assert get(api_key).status_code == 401


def test_without_the_cache_every_request_looks_the_key_up(api_key, settings):
    settings.API_KEY_CACHE_SECONDS = 0
    assert get(api_key).status_code == 200
    ApiKey.objects.filter(pk=api_key.pk).update(revoked_at=timezone.now())  # no signal: a raw UPDATE
    assert get(api_key).status_code == 401


def test_a_change_made_elsewhere_is_seen_once_the_cache_time_passes(api_key, settings):
    settings.API_KEY_CACHE_SECONDS = 0.05
    assert get(api_key).status_code == 200
    ApiKey.objects.filter(pk=api_key.pk).update(revoked_at=timezone.now())  # as another process would
    import time

    time.sleep(1.05)
    assert get(api_key).status_code == 401
