"""NUL on the people's doors: front-desk searches and forms, the admin's searches, autocomplete and
forms, and the CSV import (admin and command). Browsers cannot send lone surrogates (form data is
UTF-8), so NUL is what reaches these doors."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from patients.models import Patient
from patients.validation import UNSTORABLE_TEXT_MESSAGE
from tests.admin.test_patient_forms import ADD, add_form, errors_of
from tests.frontdesk.data import lead_form, patient_form
from tests.strict.conftest import rows

MESSAGE = str(UNSTORABLE_TEXT_MESSAGE)


@pytest.fixture
def desk(login, member):
    return login(member)


@pytest.fixture
def admin_client(login, owner):
    return login(owner)


@pytest.mark.parametrize("params, field", [
    ({"q": "jane\x00"}, "q"), ({"q": "jane", "status": "lead\x00"}, "status"), ({"q": "x", "page": "2\x00"}, "page"),
])
def test_front_desk_search_is_a_400_naming_the_field(desk, params, field):
    response = desk.get(reverse("frontdesk:patient_list"), params)
    assert response.status_code == 400
    assert response.context["errors"] == {field: [MESSAGE]}
    assert f"<strong>{field}</strong>" in response.content.decode()


def test_the_live_duplicate_check_answers_its_script_in_json(desk):
    response = desk.get(reverse("frontdesk:duplicates_check"), {"family_name": "Doe\x00"},
                        HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"family_name": [MESSAGE]}


@pytest.mark.parametrize("url, form", [
    ("frontdesk:register", lambda: patient_form(given_name="Élo\x00die")),
    ("frontdesk:quick_lead", lambda: lead_form(full_name="Marc\x00 Gagnon")),
])
def test_front_desk_forms_show_the_error_on_the_field(desk, url, form):
    before = rows()
    response = desk.post(reverse(url), form())
    assert response.status_code == 400
    field = "given_name" if "given_name" in response.context["form"].errors else "full_name"
    assert response.context["form"].errors[field]
    assert rows() == before


@pytest.mark.parametrize("url, params", [
    ("admin:patients_patient_changelist", {"q": "jane\x00"}),
    ("admin:organizations_provider_changelist", {"q": "\x00"}),
    ("admin:autocomplete", {"term": "a\x00", "app_label": "patients", "model_name": "patient",
                            "field_name": "providers"}),
])
def test_admin_searches_and_autocomplete_are_a_400_not_a_500(admin_client, url, params):
    response = admin_client.get(reverse(url), params)
    assert response.status_code == 400
    assert list(response.context["errors"]) == [next(iter(params))]


def test_admin_autocomplete_asked_for_json_answers_json(admin_client):
    response = admin_client.get(reverse("admin:autocomplete"), {"term": "a\x00"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"term": [MESSAGE]}


def test_admin_form_shows_the_error_on_the_field(admin_client, organization):
    before = rows()
    response = admin_client.post(ADD, add_form(admin_client, organization, family_name="Had\x00dad"))
    assert "family_name" in errors_of(response)
    assert rows() == before


HEADER = "given_name,family_name,gender,date_of_birth,email,phone,referrer\n"
ROWS = HEADER + (
    "Mei,Chen,female,2001-07-15,mei@example.com,604-555-0103,\n"
    "Ana,Silva,female,1985-04-12,,416 555 0134,web\x00\n"
)


def test_admin_import_refuses_the_row_with_line_and_column(admin_client, organization):
    file = SimpleUploadedFile("patients.csv", ROWS.encode(), content_type="text/csv")
    response = admin_client.post(reverse("admin:patients_patient_import"),
                                 {"organization": str(organization.pk), "file": file})
    shown = {(e.line, e.column): e.message for e in response.context["shown_errors"]}
    assert shown == {(3, "referrer"): MESSAGE}
    assert not Patient.objects.exists()


def test_import_command_refuses_the_row_with_line_and_column(organization, tmp_path):
    path, report = tmp_path / "patients.csv", tmp_path / "errors.csv"
    path.write_text(ROWS, encoding="utf-8")
    with pytest.raises(CommandError, match="1 of 2 rows"):
        call_command("import_patients", "--organization", "maple", "--report", str(report), str(path),
                     stdout=io.StringIO(), stderr=io.StringIO())
    rows_ = list(csv.DictReader(report.open(encoding="utf-8")))
    assert [(r["line"], r["column"], r["problem"]) for r in rows_] == [("3", "referrer", MESSAGE)]
    assert not Patient.objects.exists()


def test_fhir_search_answers_an_operation_outcome(api_key):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key.raw}")
    response = client.get("/fhir/R4/Patient", {"family": "Doe\x00"})
    assert response.status_code == 400
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["expression"] == ["family"]
