"""Editing a patient through update_patient: only what changed is sent."""

import pytest
from django.urls import reverse

from patients.actors import Actor
from patients.models import Channel, HealthCard, Patient, Verification
from patients.services import register_patient
from tests.date_parts import with_date_parts
from tests.factories import ProviderFactory


@pytest.fixture
def patient(organization, member):
    return register_patient(organization, {
        "given_name": "Élodie", "family_name": "Tremblay", "gender": "female", "date_of_birth": "1984-03-09",
        "phone": "416 555 0199", "email": "elodie@example.com",
        "health_card": {"number": "9876543217", "province": "ON", "version_code": "AB"},
        "verifications": {"phone": "verified"},
    }, actor=Actor.for_user(member, Channel.INTAKE))


def url(patient):
    return reverse("frontdesk:patient_edit", args=[patient.pk])


def current_values(desk, patient):
    """The form as the page fills it in."""
    form = desk.get(url(patient)).context["form"]
    values = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value in (None, False):
            continue
        values[name] = "on" if value is True else value
    return with_date_parts(values)


def test_the_form_starts_from_the_record(desk, patient):
    page = desk.get(url(patient)).content.decode()

    assert 'value="Élodie"' in page and 'value="+1 416-555-0199"' in page
    assert 'name="date_of_birth_day" value="9"' in page and '<option value="3" selected>' in page
    # The health card number masked until "Show" (tests/access_log/test_frontdesk_reads.py).
    assert 'value="••••••3217"' in page and "9876543217" not in page


def test_changing_the_email_keeps_the_phone_verified_and_records_one_change(desk, patient):
    data = current_values(desk, patient) | {"email": "elodie.t@example.com"}

    response = desk.post(url(patient), data)

    patient.refresh_from_db()
    assert response.status_code == 302
    assert patient.email == "elodie.t@example.com"
    assert Verification.objects.get(patient=patient, channel="phone").status == "verified"
    latest = patient.history.first()
    assert latest.history_change_reason == "Updated" and latest.history_actor == "member (Intake form)"
    assert latest.diff_against(latest.prev_record).changed_fields == ["email", "username"]


def test_nothing_changed_writes_nothing(desk, patient):
    before = patient.history.count()

    response = desk.post(url(patient), current_values(desk, patient), follow=True)

    assert "Nothing was changed" in response.content.decode()
    assert patient.history.count() == before


def test_a_bad_change_is_shown_and_not_saved(desk, patient):
    data = current_values(desk, patient) | {"phone": "12", "given_name": ""}

    response = desk.post(url(patient), data)

    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_phone_error"' in page and 'id="id_given_name_error"' in page
    patient.refresh_from_db()
    assert str(patient.phone) == "+14165550199" and patient.given_name == "Élodie"


def test_emptying_the_health_card_fields_removes_the_card(desk, patient):
    data = current_values(desk, patient)
    for name in ("health_card_number", "health_card_version_code", "health_card_province"):
        data.pop(name, None)

    desk.post(url(patient), data)

    assert not HealthCard.objects.filter(patient=patient).exists()


def test_providers_can_be_changed(desk, organization, patient):
    provider = ProviderFactory(organization=organization)

    desk.post(url(patient), current_values(desk, patient) | {"providers": [str(provider.pk)]})

    assert list(Patient.objects.get(pk=patient.pk).providers.all()) == [provider]
