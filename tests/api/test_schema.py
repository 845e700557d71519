"""The OpenAPI schema at /api/schema/ documents the "Create a Patient" endpoints fully, without warnings."""

import re

import pytest
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS

from patients.models import Patient

OPERATIONS = {
    ("/api/v1/patients", "post"): {201, 400, 401, 403, 409, 413, 422, 429},
    ("/api/v1/patients", "get"): {200, 400, 401, 403, 404, 429},
    ("/api/v1/patients/{patient_id}", "get"): {200, 401, 403, 404, 429},
    ("/api/v1/patients/{patient_id}", "patch"): {200, 400, 401, 403, 404, 409, 413, 429},
}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def ref_name(schema_part) -> str:
    return schema_part["$ref"].rsplit("/", 1)[-1]


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_every_status_is_documented_and_errors_use_the_error_shape(schema, path, method):
    operation = schema["paths"][path][method]
    responses = {int(code): answer for code, answer in operation["responses"].items()}

    assert set(responses) == OPERATIONS[path, method]
    for status, answer in responses.items():
        content = answer["content"]["application/json"]
        if status >= 400:
            assert ref_name(content["schema"]) == "Error"
            (example,) = content["examples"].values()
            assert example["value"]["status"] == status
            assert answer["description"]


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_organization_header_is_documented(schema, path, method):
    headers = {p["name"] for p in schema["paths"][path][method]["parameters"] if p["in"] == "header"}
    assert "X-Organization-ID" in headers


def test_create_documents_the_contract_body_headers_and_answer(schema):
    post = schema["paths"]["/api/v1/patients"]["post"]
    headers = {p["name"]: p for p in post["parameters"] if p["in"] == "header"}
    assert "Idempotency-Key" in headers
    assert "optional" in headers["X-Organization-ID"]["description"]

    body = schema["components"]["schemas"][ref_name(post["requestBody"]["content"]["application/json"]["schema"])]
    assert set(body["required"]) == {"email", "firstName", "lastName", "gender", "phone", "dateOfBirth"}
    assert {"password", "username", "roles", "meta", "unreadNotifications", "emrId", "referrer", "hcCard",
            "acceptsMarketing", "hasInsurance", "providers", "groups", "verifications", "province"} <= set(
        body["properties"])
    assert body["properties"]["password"]["writeOnly"] is True
    assert len(body["properties"]["gender"]["oneOf"]) == 2
    assert post["requestBody"]["content"]["application/json"]["examples"]

    answer = schema["components"]["schemas"][ref_name(post["responses"]["201"]["content"]["application/json"][
        "schema"])]
    assert {"id", "status", "patientNo", "createdAt", "updatedAt"} <= set(answer["properties"])
    assert "password" not in answer["properties"]


def test_create_is_open_to_self_registration_and_the_rest_needs_credentials(schema):
    assert {} in schema["paths"]["/api/v1/patients"]["post"]["security"]
    assert {} not in schema["paths"]["/api/v1/patients"]["get"]["security"]
    assert schema["components"]["securitySchemes"]["apiKey"] == {
        "type": "http", "scheme": "bearer", "description": schema["components"]["securitySchemes"]["apiKey"][
            "description"]}


def test_error_shape_is_a_component(schema):
    error = schema["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"status", "code", "message", "errors", "requestId"}


def test_schema_generation_emits_no_warnings_and_validates(tmp_path):
    GENERATOR_STATS.reset()
    # Raises on any warning or error (--fail-on-warn) and on an invalid OpenAPI document (--validate).
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3")


def test_browsable_docs_are_served(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    # Swagger UI starts from a script of its own address (no inline script under the CSP), which loads the schema.
    assert b'<script src="/api/docs/?script=' in response.content
    assert b"/api/schema/" in client.get("/api/docs/?script=").content


@pytest.mark.parametrize(("path", "method"), [
    ("/api/v1/patients", "post"), ("/api/v1/patients/{patient_id}", "patch"),
    ("/api/v1/patients/{patient_id}/promote", "post"), ("/api/user/v1/patients/add", "post"),
])
def test_the_docs_say_organizations_may_require_more(schema, path, method):
    description = schema["paths"][path][method]["description"]
    assert "Required by this clinic." in description
    assert "registration policy" in description


def operations(schema):
    return [(path, method, operation) for path, methods in schema["paths"].items()
            for method, operation in methods.items()]


def test_operation_ids_have_one_style(schema):
    ids = [operation["operationId"] for _, _, operation in operations(schema)]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[a-z]+(?:[A-Z][a-z]+)*", i) for i in ids), ids


def test_component_names_do_not_double_request(schema):
    assert not [name for name in schema["components"]["schemas"] if "RequestRequest" in name]


def test_path_parameters_are_typed(schema):
    for path, _, operation in operations(schema):
        parameters = {p["name"]: p["schema"] for p in operation.get("parameters", []) if p["in"] == "path"}
        if "patient_id" in parameters:
            assert parameters["patient_id"] == {"type": "string", "format": "uuid"}, path
        if "channel" in parameters:
            assert parameters["channel"]["enum"] == ["email", "phone"], path


def test_throttled_and_too_large_answers_are_documented_everywhere(schema):
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        if "429" in responses:
            assert "Retry-After" in responses["429"]["headers"], (path, method)
        if method in ("post", "patch"):
            assert "413" in responses, (path, method)
    assert "429" in schema["paths"]["/api/user/v1/patients/add"]["post"]["responses"]
    assert "429" in schema["paths"]["/api/v1/patients/{patient_id}/promote"]["post"]["responses"]
    created = schema["paths"]["/api/v1/patients"]["post"]["responses"]["201"]["headers"]
    assert {"Location", "Idempotent-Replayed"} <= set(created)


def nodes(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from nodes(value)


def test_nullable_references_are_valid_openapi_3_0(schema):
    # allOf[$ref] beside nullable does not let null through in OpenAPI 3.0
    assert not [n for n in nodes(schema) if "allOf" in n and n.get("nullable")]
    hc_card = schema["components"]["schemas"]["Patient"]["properties"]["hcCard"]
    assert hc_card["oneOf"][0] == {"$ref": "#/components/schemas/HealthCard"}
    assert hc_card["oneOf"][1]["enum"] == [None]


def test_enums_and_typed_answers(schema):
    components = schema["components"]["schemas"]
    assert components["PatientStatusEnum"]["enum"] == list(Patient.Status.values)
    assert set(components["PatientGenderEnum"]["enum"]) == {"male", "female", "other", "unknown"}
    assert components["PromotionConflict"]["properties"]["matches"]["items"] == {
        "$ref": "#/components/schemas/DuplicateMatch"}
    for answer in ("ContractPatient", "Me", "Patient"):
        (typed,) = components[answer]["properties"]["verifications"]["allOf"]
        assert typed == {"$ref": "#/components/schemas/VerificationStatuses"}


def test_routes_that_need_no_key_are_declared_with_optional_auth(schema):
    assert {} in schema["paths"]["/api/v1/patients/sign-in"]["post"]["security"]
    assert {} in schema["paths"]["/api/v1/patients"]["post"]["security"]
