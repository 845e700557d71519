"""Each clinic's own time zone, everywhere a time is shown or sent; stored and API times stay UTC.

A Toronto clinic (UTC-5 in winter) shows 14:00 for 19:00 UTC, a Vancouver one (UTC-8) 11:00.
"""

import csv
import io
from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone, translation
from rest_framework.test import APIClient

from organizations.middleware import SESSION_KEY
from organizations.models import Membership
from patients import sms
from patients.actors import Actor
from patients.models import Patient
from patients.verification import start_verification
from tests.factories import MembershipFactory, OrganizationFactory, PatientFactory, UserFactory

NOON_IN_TORONTO = datetime(2026, 1, 15, 19, 0, tzinfo=UTC)  # 14:00 in Toronto, 11:00 in Vancouver


@pytest.fixture
def vancouver(db):
    return OrganizationFactory(name="Cedar Clinic", slug="cedar", time_zone="America/Vancouver")


def patient_at(organization, when=NOON_IN_TORONTO, **fields):
    patient = PatientFactory(organization=organization, **fields)
    Patient.objects.filter(pk=patient.pk).update(created_at=when)
    patient.history.all().update(history_date=when)
    return patient


def detail(client, patient) -> str:
    return client.get(reverse("frontdesk:patient_detail", args=[patient.pk])).content.decode()


def registered_at(page: str) -> str:
    return page.split('data-testid="registered-at">')[1].split("<")[0]


def test_a_toronto_clinic_shows_14_00_for_19_00_utc(desk, organization):
    assert organization.time_zone == "America/Toronto"
    page = detail(desk, patient_at(organization))
    assert registered_at(page).startswith("15 Jan 2026, 14:00")
    assert page.split('data-testid="history-when">')[1].startswith("15 Jan 2026, 14:00")
    assert "19:00" not in page


def test_in_french_the_same_time_reads_14_h_00(desk, organization):
    organization.language = "fr"
    organization.save()
    assert registered_at(detail(desk, patient_at(organization))).startswith("15 janvier 2026, 14 h 00")


def test_staff_of_two_clinics_see_each_in_its_own_zone(organization, vancouver):
    user = UserFactory(username="float")
    MembershipFactory(user=user, organization=organization, role=Membership.Role.FRONT_DESK)
    MembershipFactory(user=user, organization=vancouver, role=Membership.Role.FRONT_DESK)
    toronto_patient, vancouver_patient = patient_at(organization), patient_at(vancouver)
    client = Client()
    client.force_login(user)

    for clinic, patient, shown in ((organization, toronto_patient, "14:00"), (vancouver, vancouver_patient, "11:00")):
        assert client.post(reverse("organizations:choose"), {"organization": str(clinic.pk)}).status_code == 302
        assert client.session[SESSION_KEY] == str(clinic.pk)
        assert registered_at(detail(client, patient)).startswith(f"15 Jan 2026, {shown}")


def test_the_admin_shows_an_objects_time_in_its_clinics_zone(superuser, organization, vancouver):
    patient = patient_at(vancouver)
    client = Client()
    client.force_login(superuser)  # works for both clinics: no clinic of its own
    page = client.get(reverse("admin:patients_patient_change", args=[patient.pk])).content.decode()
    assert "Patient Intake — Cedar Clinic" in page
    assert "15 Jan 2026, 11:00" in page and "15 Jan 2026, 19:00" not in page
    history = client.get(reverse("admin:patients_patient_history", args=[patient.pk])).content.decode()
    assert "15 Jan 2026, 11:00" in history


def test_the_admin_list_shows_each_row_in_its_clinics_zone(superuser, organization, vancouver):
    patient_at(organization, given_name="Tara")
    patient_at(vancouver, given_name="Vic")
    client = Client()
    client.force_login(superuser)
    page = client.get(reverse("admin:patients_patient_changelist")).content.decode()
    assert "15 Jan 2026, 14:00" in page and "15 Jan 2026, 11:00" in page


def test_csv_export_times_carry_the_clinics_offset(login, owner, organization):
    patient_at(organization, given_name="Ann")
    client = login(owner)
    export = reverse("admin:patients_patient_export")
    form = client.get(export).context["form"]
    data = {"format": "0", **{name: "on" for name in form.fields if name.startswith("patientresource_")}}
    rows = list(csv.DictReader(io.StringIO(client.post(export, data).content.decode("utf-8-sig"))))
    assert rows[0]["created_at"] == "2026-01-15T14:00:00-05:00"


def test_the_api_keeps_utc(api_key, organization):
    patient = patient_at(organization)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key.raw}")
    created = client.get(f"/api/v1/patients/{patient.pk}").json()["createdAt"]
    assert created.startswith("2026-01-15T19:00:00") and (created.endswith("Z") or created.endswith("+00:00"))


@pytest.fixture
def messages_out(settings):
    settings.SMS_BACKEND = "memory"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def until(verification, organization, language) -> str:
    with translation.override(language):
        return formats.time_format(timezone.localtime(verification.code_expires_at, organization.zone))


@pytest.mark.parametrize("preferred, clinic_language, expected", [
    ("fr", "en", "fr"),  # the patient's preferred language first
    ("", "fr", "fr"),  # else the clinic's
    ("en", "fr", "en"),
])
def test_codes_are_sent_in_the_patients_language_and_clinics_zone(
    vancouver, messages_out, mailoutbox, preferred, clinic_language, expected
):
    vancouver.language = clinic_language
    vancouver.save()
    patient = PatientFactory(organization=vancouver, email="zoe@example.com", phone="+16045550123",
                             preferred_language=preferred)
    by_email = start_verification(patient, "email", actor=Actor.for_user(None))
    by_sms = start_verification(patient, "phone", actor=Actor.for_user(None))

    email, text = mailoutbox[-1], messages_out[-1].body
    email_until, sms_until = until(by_email, vancouver, expected), until(by_sms, vancouver, expected)
    if expected == "fr":
        assert email.subject == "Cedar Clinic : votre code de vérification"
        assert f"Il est valide jusqu’à {email_until}" in email.body
        assert text.startswith("Cedar Clinic : votre code de vérification est ")
        assert text.endswith(f"Il est valide jusqu’à {sms_until}.")
        assert " h " in sms_until
    else:
        assert email.subject == "Cedar Clinic: your verification code"
        assert f"It works until {email_until}" in email.body
        assert text.endswith(f"It works until {sms_until}.")


def test_the_front_desk_says_until_when_a_code_works_in_the_clinics_zone(desk, organization, mailoutbox):
    patient = PatientFactory(organization=organization, email="zoe@example.com")
    answer = desk.post(reverse("verification:send", args=[patient.pk, "email"]), follow=True)
    row = patient.verifications.get()
    shown = timezone.localtime(row.code_expires_at, organization.zone).strftime("%H:%M")
    page = answer.content.decode()
    assert f"It works until {shown}." in page
    assert f"it works until {shown}." in page  # the card
