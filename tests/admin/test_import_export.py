"""CSV import and export in the admin: a dry-run preview with every row's errors, cancel imports
nothing, confirm imports all or nothing; export follows the filters and never includes passwords."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from patients.models import Channel, Patient
from tests.factories import PatientFactory

IMPORT = reverse("admin:patients_patient_import")
EXPORT = reverse("admin:patients_patient_export")
LIST = reverse("admin:patients_patient_changelist")

HEADER = "given_name,family_name,gender,date_of_birth,email,phone,health_card_number,health_card_province\n"
CLEAN = HEADER + (
    "Élodie,Tremblay,female,1984-02-29,elodie@example.com,(416) 555-0101,9876543217,ON\n"
    "Marc,Gagnon,male,1970-10-01,,613-555-0102,,\n"
)
MIXED = CLEAN + (
    "Bad,Phone,female,1990-01-01,,555,,\n"
    "Élodie,Tremblay,female,1984-02-29,other@example.com,416 555 0101,,\n"
)


def upload(client, organization, text, **extra):
    file = SimpleUploadedFile("patients.csv", text.encode(), content_type="text/csv")
    return client.post(IMPORT, {"organization": str(organization.pk), "file": file, **extra})


def test_the_import_page_offers_only_their_organizations(login, owner, other_organization):
    page = login(owner).get(IMPORT)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Maple Clinic" in text and "Birch Clinic" not in text


def test_the_changelist_links_to_import_and_export(login, owner):
    text = login(owner).get(LIST).content.decode()
    assert IMPORT in text and EXPORT in text


def test_a_file_with_bad_rows_previews_every_error_and_imports_nothing(login, owner, organization):
    response = upload(login(owner), organization, MIXED)
    assert response.status_code == 200
    report = response.context["report"]
    assert not report.ok and report.rows == 4
    shown = {(e.line, e.column): e.message for e in response.context["shown_errors"]}
    assert shown[(4, "phone")].startswith("Enter a valid phone number")
    assert shown[(5, "")] == "Possibly the same patient as line 2 (same phone and same family name and date of birth)."
    text = response.content.decode()
    assert "Nothing was imported" in text and 'name="confirm"' not in text
    assert not Patient.objects.exists()


def test_a_clean_file_previews_then_imports_everything_on_confirm(login, owner, organization):
    client = login(owner)
    preview = upload(client, organization, CLEAN)
    assert preview.status_code == 200 and preview.context["report"].ok
    assert 'name="confirm"' in preview.content.decode()
    assert not Patient.objects.exists()  # a preview writes nothing

    response = client.post(IMPORT, {"token": preview.context["token"], "confirm": "1"}, follow=True)
    assert response.status_code == 200
    assert any("Imported 2 patients into Maple Clinic" in str(m) for m in response.context["messages"])
    patients = Patient.objects.for_organization(organization)
    assert patients.count() == 2
    record = patients.get(given_name="Marc").history.get()
    assert (record.history_channel, record.history_actor) == (Channel.IMPORT, "owner (Import)")
    assert record.history_change_reason == "Imported from patients.csv"

    again = client.post(IMPORT, {"token": preview.context["token"], "confirm": "1"}, follow=True)
    assert Patient.objects.count() == 2  # a confirmation is used once
    assert any("no longer waiting" in str(m) for m in again.context["messages"])


def test_a_confirmation_whose_upload_was_cleared_away_asks_for_the_file_again(login, owner, organization):
    from patients.admin.imports import upload_dir

    client = login(owner)
    preview = upload(client, organization, CLEAN)
    (upload_dir() / f"{preview.context['token']}.csv").unlink()  # what a later upload does after a day

    response = client.post(IMPORT, {"token": preview.context["token"], "confirm": "1"}, follow=True)
    assert response.status_code == 200
    assert any("no longer waiting" in str(m) for m in response.context["messages"])
    assert not Patient.objects.exists()


def test_cancel_imports_nothing(login, owner, organization):
    client = login(owner)
    preview = upload(client, organization, CLEAN)
    response = client.post(IMPORT, {"token": preview.context["token"], "cancel": "1"}, follow=True)
    assert any("nothing was imported" in str(m) for m in response.context["messages"])
    assert not Patient.objects.exists()
    client.post(IMPORT, {"token": preview.context["token"], "confirm": "1"})
    assert not Patient.objects.exists()


def test_confirm_rechecks_and_imports_nothing_if_the_organization_changed(login, owner, organization):
    client = login(owner)
    preview = upload(client, organization, CLEAN)
    PatientFactory(organization=organization, email="elodie@example.com")  # registered meanwhile
    response = client.post(IMPORT, {"token": preview.context["token"], "confirm": "1"})
    assert response.status_code == 200 and not response.context["report"].ok
    assert Patient.objects.count() == 1


def test_another_organizations_import_token_is_of_no_use(login, owner, outsider, organization):
    preview = upload(login(owner), organization, CLEAN)
    response = login(outsider).post(IMPORT, {"token": preview.context["token"], "confirm": "1"}, follow=True)
    assert not Patient.objects.exists()
    assert any("no longer waiting" in str(m) for m in response.context["messages"])


def test_importing_into_another_organization_is_refused(login, owner, other_organization):
    response = upload(login(owner), other_organization, CLEAN)
    assert response.status_code == 200 and "organization" in response.context["form"].errors
    assert not Patient.objects.exists()


def test_front_desk_staff_cannot_import_or_export(login, member):
    client = login(member)
    assert client.get(IMPORT).status_code == 403
    assert client.get(EXPORT).status_code == 403


def export(client, params=""):
    page = client.get(EXPORT + params)
    form = page.context["form"]
    data = {"format": "0", **{name: "on" for name in form.fields if name.startswith("patientresource_")}}
    response = client.post(EXPORT + params, data)
    assert response.status_code == 200, response.content[:500]
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.fixture
def exportable(organization, other_organization):
    PatientFactory(organization=organization, given_name="Ann", status=Patient.Status.ACTIVE)
    lead = PatientFactory(organization=organization, given_name="Lou", status=Patient.Status.LEAD,
                          patient_number=None)
    lead.password = "pbkdf2_sha256$secret-hash"
    lead.save()
    PatientFactory(organization=other_organization, given_name="Bob")


def test_export_follows_the_filters_and_the_organization(login, owner, exportable):
    client = login(owner)
    assert {r["given_name"] for r in export(client)} == {"Ann", "Lou"}
    assert [r["given_name"] for r in export(client, "?status=lead")] == ["Lou"]
    assert [r["given_name"] for r in export(client, "?q=ann")] == ["Ann"]


def test_export_never_includes_passwords_or_usernames(login, superuser, exportable):
    rows = export(login(superuser))
    assert len(rows) == 3
    assert "password" not in rows[0] and "username" not in rows[0]
    assert not any("secret-hash" in value for row in rows for value in row.values())
    assert {"patient_number", "health_card_number_last4", "organization"} <= set(rows[0])
    assert "health_card_number" not in rows[0]  # full numbers only when an admin asks (tests/access_log)
