"""An integrator's client, generated from /api/schema/ with openapi-python-client, works as generated
against the live test server: every answer has a documented status, parses into the generated models
(a lead's null health card and date of birth, its "" email and phone included) and passes a strict
OpenAPI 3.0 validator with formats; a PATCH body built from a GET answer is accepted."""

import importlib
import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.schema.conftest import answer_schema, strict_errors
from tests.verification.conftest import PASSWORD, register

GENERATOR = Path(sys.executable).with_name("openapi-python-client")


@pytest.fixture(scope="module")
def generated(openapi_document, tmp_path_factory):
    """The generated package `intake_client` (generation must succeed without a warning)."""
    folder = tmp_path_factory.mktemp("client")
    (folder / "schema.json").write_text(json.dumps(openapi_document))
    (folder / "config.json").write_text(json.dumps({"post_hooks": []}))
    run = subprocess.run(
        [str(GENERATOR), "generate", "--path", "schema.json", "--config", "config.json", "--meta", "none",
         "--output-path", "intake_client"],
        cwd=folder, capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Warning" not in run.stdout + run.stderr, run.stdout + run.stderr
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module("intake_client")
    finally:
        sys.path.remove(str(folder))
        for name in [m for m in sys.modules if m == "intake_client" or m.startswith("intake_client.")]:
            del sys.modules[name]


def api(generated, tag, *operations):
    """The generated modules of `operations` (named by operationId) under the tag's package."""
    modules = [importlib.import_module(f"intake_client.api.{tag}.{name}") for name in operations]
    return modules if len(modules) > 1 else modules[0]


def models(generated):
    return importlib.import_module("intake_client.models")


@pytest.fixture
def client(generated, live_server, api_key):
    return generated.AuthenticatedClient(base_url=live_server.url, token=api_key.raw, raise_on_unexpected_status=True)


def checked(document, path, method, response, model):
    """The parsed answer, after checking its status is documented and its body passes the strict validator."""
    declared = answer_schema(document, path, method, int(response.status_code))
    assert strict_errors(document, declared, json.loads(response.content)) == []
    assert isinstance(response.parsed, model), (response.status_code, response.content)
    return response.parsed


@pytest.mark.django_db(transaction=True)
def test_the_generated_client_against_the_live_server(generated, client, openapi_document, organization, settings):
    settings.SMS_BACKEND = "memory"
    doc, m = openapi_document, models(generated)
    register_patient = api(generated, "register_patient_leads", "register_patient")
    get_patient, update_patient, promote_lead, create_patient, list_patients = api(
        generated, "patients", "get_patient", "update_patient", "promote_lead", "create_patient", "list_patients")

    # A lead through the "Register Patient" contract: "" email and phone, unknown date of birth.
    answer = register_patient.sync_detailed(client=client, body=m.RegisterPatientRequest.from_dict({
        "isLead": True, "preferredName": "Incomplete patient", "fullName": "Incomplete patient ",
        "callingCode": "+971", "localPhone": "", "email": None, "gender": "Male", "dateOfBirth": {"date": "1111-01-01"},
    }))
    envelope = checked(doc, "/api/user/v1/patients/add", "POST", answer, m.PatientEnvelope)
    lead_id = envelope.data.patient.id

    # The lead through the v1 contract: null health card and date of birth, "" email and phone.
    detail = "/api/v1/patients/{patient_id}"
    lead = checked(doc, detail, "GET", get_patient.sync_detailed(lead_id, client=client), m.Patient)
    assert (lead.hc_card, lead.date_of_birth, lead.email, lead.phone) == (None, None, "", "")

    # A PATCH body built from that GET answer is valid for the schema and accepted by the server.
    as_read = json.loads(get_patient.sync_detailed(lead_id, client=client).content)
    patch_schema = {"$ref": "#/components/schemas/PatchedPatientWriteRequest"}
    assert strict_errors(doc, patch_schema, as_read) == []
    body = m.PatchedPatientWriteRequest.from_dict({**as_read, "referrer": "front desk"})
    changed = checked(doc, detail, "PATCH", update_patient.sync_detailed(lead_id, client=client, body=body),
                      m.Patient)
    assert changed.referrer == "front desk"

    # Promotion: first refused for what is missing, then done.
    promote = "/api/v1/patients/{patient_id}/promote"
    refused = promote_lead.sync_detailed(lead_id, client=client, body=m.PromotionRequest.from_dict({}))
    assert checked(doc, promote, "POST", refused, m.LeadIncomplete).missing
    promoted = promote_lead.sync_detailed(lead_id, client=client, body=m.PromotionRequest.from_dict({
        "firstName": "Amal", "lastName": "Haddad", "dateOfBirth": "1990-04-12", "phone": "+971 56 123 1231",
        "gender": "female"}))
    assert checked(doc, promote, "POST", promoted, m.Patient).status.value == "active"

    # A full patient with a health card; the answer's headers say where it lives.
    created = create_patient.sync_detailed(client=client, body=m.PatientWriteRequest.from_dict({
        "email": "jane.doe@example.com", "password": PASSWORD, "firstName": "Jane", "lastName": "Doe",
        "gender": "female", "phone": "416 555 0123", "dateOfBirth": "1985-04-12",
        "hcCard": {"number": "9876543217", "versionCode": "AB", "province": "ON"}}), idempotency_key="order-1")
    jane = checked(doc, "/api/v1/patients", "POST", created, m.Patient)
    assert isinstance(jane.hc_card, m.HealthCard) and created.headers["Location"].endswith(str(jane.id))

    # Search pages, and a page past the end (404 in the error shape).
    page = list_patients.sync_detailed(client=client, q="Doe")
    found = checked(doc, "/api/v1/patients", "GET", page, m.PaginatedPatientListItemList)
    assert [p.id for p in found.results] == [jane.id]
    past = list_patients.sync_detailed(client=client, page=99)
    assert checked(doc, "/api/v1/patients", "GET", past, m.Error).status == 404
    missing = get_patient.sync_detailed(uuid.uuid4(), client=client)
    assert checked(doc, detail, "GET", missing, m.Error).code == "not_found"

    # The patient's own door: sign in without a key, read and change their details, send a code.
    sign_in, get_me, update_me = api(generated, "patient_accounts", "sign_in", "get_me", "update_me")
    start_verification = api(generated, "contact_verification", "start_verification")
    register(organization, email="ana.silva@example.com")
    anonymous = generated.Client(base_url=client._base_url, raise_on_unexpected_status=True)
    signed_in = sign_in.sync_detailed(client=anonymous, body=m.SignInRequest.from_dict(
        {"username": "ana.silva@example.com#maple", "password": PASSWORD}))
    token = checked(doc, "/api/v1/patients/sign-in", "POST", signed_in, m.SignInAnswer)
    patient = generated.AuthenticatedClient(base_url=client._base_url, token=token.token,
                                            raise_on_unexpected_status=True)
    me = checked(doc, "/api/v1/me", "GET", get_me.sync_detailed(client=patient), m.Me)
    updated = update_me.sync_detailed(client=patient, body=m.PatchedMeRequest.from_dict({"province": "on"}))
    assert checked(doc, "/api/v1/me", "PATCH", updated, m.Me).province == "ON"
    sent = start_verification.sync_detailed(me.id, m.StartVerificationChannel.EMAIL, client=patient)
    assert checked(doc, "/api/v1/patients/{patient_id}/verifications/{channel}", "POST", sent,
                   m.VerificationAnswer).status.value == "pending"
