"""Fixtures of the "Create a Patient" API tests: clients, a valid body, providers and a group."""

import copy

import pytest
from django.core.cache import cache

from tests.api.patients_helpers import VALID_BODY, client_with_key
from tests.factories import PatientGroupFactory, ProviderFactory


@pytest.fixture(autouse=True)
def _fresh_throttles():
    # Rate-limit counters live in the cache: each test starts with none.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api(api_key):
    """A client calling with the "maple" organization's API key."""
    return client_with_key(api_key.raw)


@pytest.fixture
def other_api(other_api_key):
    """A client calling with the "birch" organization's API key."""
    return client_with_key(other_api_key.raw)


@pytest.fixture
def body():
    """A fresh copy of a valid minimal body (tests change it freely)."""
    return copy.deepcopy(VALID_BODY)


@pytest.fixture
def providers(organization):
    return [ProviderFactory(organization=organization, name=n) for n in ("Dr. Ada Chen", "Dr. Ben Okafor")]


@pytest.fixture
def group(organization):
    return PatientGroupFactory(organization=organization, name="Diabetes clinic")
