"""Strict input tests: raw JSON bodies (lone surrogates cannot be sent any other way) and row counts."""

import json

import pytest
from django.core.cache import cache

from patients.models import HealthCard, IdempotencyRecord, Patient, Verification
from tests.admin.conftest import login  # noqa: F401  (a fixture, shared with the admin tests)

NUL = "Ja\x00ne"
SURROGATE = "Ja\ud800ne"
UNSTORABLE = pytest.mark.parametrize("bad", [NUL, SURROGATE], ids=["NUL", "surrogate"])


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


def send(client, method, url, body, **extra):
    """`body` as JSON text; json.dumps writes a lone surrogate as the escape "\\ud800"."""
    return getattr(client, method)(url, json.dumps(body), content_type="application/json", **extra)


def rows() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Patient, HealthCard, Verification, IdempotencyRecord))


def assert_v1_error(response, fields, status=400):
    assert response.status_code == status, response.content
    data = response.json()
    assert set(data) - {"requestId"} == {"status", "code", "message", "errors"}, data
    assert data["status"] == status
    assert set(fields) <= set(data["errors"]), data
    return data


def assert_envelope_error(response, code, fields=(), status=400):
    assert response.status_code == status, response.content
    data = response.json()
    assert set(data) - {"requestId"} == {"data", "status", "message", "errors"}, data
    assert data["data"] is None and data["status"] == code
    assert set(fields) <= set(data["errors"]), data
    return data
