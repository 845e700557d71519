"""Fixtures of the FHIR tests: clients with each organization's API key, fresh rate-limit counters."""

import pytest
from django.core.cache import cache

from tests.fhir.helpers import FhirClient


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def fhir(api_key):
    return FhirClient(api_key.raw)


@pytest.fixture
def other_fhir(other_api_key):
    return FhirClient(other_api_key.raw)
