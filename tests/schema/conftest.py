"""The OpenAPI document as served, and a strict validator (openapi-schema-validator, formats checked)
of answers against it: what an integrator generating a client from /api/schema/ relies on."""

import json

import pytest
from django.test import Client
from openapi_schema_validator import OAS30Validator


@pytest.fixture(scope="session")
def openapi_document(django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return json.loads(response.content)


def answer_schema(document: dict, path: str, method: str, status: int) -> dict | None:
    """The schema the document declares for this answer (None: it declares no body)."""
    responses = document["paths"][path][method.lower()]["responses"]
    declared = responses.get(str(status))
    assert declared is not None, f"{method} {path} answered {status}, which the schema does not list"
    content = declared.get("content")
    return None if not content else content["application/json"]["schema"]


def strict_errors(document: dict, schema: dict, instance) -> list[str]:
    """What a strict OpenAPI 3.0 validator (formats checked) finds wrong in `instance`."""
    rooted = {**schema, "components": document["components"]}
    validator = OAS30Validator(rooted, format_checker=OAS30Validator.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(instance)]
