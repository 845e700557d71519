"""API keys are looked up on every request: a key revoked, expired or switched off anywhere (another
worker, another server, a raw UPDATE) is refused on the very next request."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from organizations.models import ApiKey, Organization
from organizations.services import revoke_api_key

URL = "/api/v1/patients"


def get(api_key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key.raw}")
    return client.get(URL)


def key_lookups(api_key):
    with CaptureQueriesContext(connection) as captured:
        response = get(api_key)
    return response, [q for q in captured.captured_queries if 'FROM "organizations_apikey"' in q["sql"]]


def test_each_request_looks_the_key_up_once(api_key):
    for _ in range(2):
        response, lookups = key_lookups(api_key)
        assert response.status_code == 200
        assert len(lookups) == 1


def test_a_key_revoked_through_the_service_is_refused_on_the_next_request(api_key):
    assert get(api_key).status_code == 200
    revoke_api_key(api_key)
    assert get(api_key).status_code == 401


def test_a_key_revoked_elsewhere_is_refused_on_the_next_request(api_key):
    # A raw UPDATE sends no signal: this is what another worker's revocation looks like to this one.
    assert get(api_key).status_code == 200
    ApiKey.objects.filter(pk=api_key.pk).update(revoked_at=timezone.now())
    assert get(api_key).status_code == 401


def test_a_key_that_expired_since_its_last_use_is_refused(api_key):
    assert get(api_key).status_code == 200
    ApiKey.objects.filter(pk=api_key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert get(api_key).status_code == 401


def test_a_deactivated_organization_is_refused_on_the_next_request(api_key, organization):
    assert get(api_key).status_code == 200
    Organization.objects.filter(pk=organization.pk).update(is_active=False)
    assert get(api_key).status_code == 401
