"""Completing a lead's registration through promote_lead."""

import datetime

import pytest
from django.urls import reverse

from patients.actors import Actor
from patients.models import Channel, Patient
from patients.services import register_patient
from tests.date_parts import with_date_parts
from tests.factories import PatientFactory


@pytest.fixture
def lead(organization, member):
    return register_patient(organization, {"full_name": "Marc Gagnon", "gender": "male", "phone": "514 555 0142"},
                            actor=Actor.for_user(member, Channel.INTAKE), as_lead=True)


def url(patient):
    return reverse("frontdesk:complete_registration", args=[patient.pk])


def form_for(desk, patient, **changes):
    form = desk.get(url(patient)).context["form"]
    values = {k: v for k, v in form.initial.items() if v not in (None, False, "", [])}
    values.update(changes)
    return with_date_parts(values)


def test_the_form_starts_from_what_the_lead_gave(desk, lead):
    page = desk.get(url(lead)).content.decode()

    assert 'value="Marc"' in page and 'value="Gagnon"' in page and 'value="+1 514-555-0142"' in page


def test_what_is_missing_is_shown_and_nothing_changes(desk, lead):
    response = desk.post(url(lead), form_for(desk, lead))

    page = response.content.decode()
    assert response.status_code == 400
    assert "Still needed to complete the registration: Date of birth" in page
    assert 'id="id_date_of_birth_error"' in page
    lead.refresh_from_db()
    assert lead.is_lead and lead.patient_number is None


def test_completing_gives_a_patient_number(desk, organization, lead):
    response = desk.post(url(lead), form_for(desk, lead, date_of_birth="1979-11-02", email="marc@example.com"))

    lead.refresh_from_db()
    assert response["Location"] == reverse("frontdesk:patient_saved", args=[lead.pk])
    assert lead.status == Patient.Status.ACTIVE and lead.patient_number == 1
    assert lead.date_of_birth == datetime.date(1979, 11, 2) and lead.email == "marc@example.com"
    assert lead.promoted_by_label == "member (Intake form)"
    assert 'data-testid="patient-number">1<' in desk.get(response["Location"]).content.decode()


def test_a_bad_value_is_refused(desk, lead):
    response = desk.post(url(lead), form_for(desk, lead, date_of_birth="2999-01-01"))

    assert response.status_code == 400
    assert "cannot be in the future" in response.content.decode()
    lead.refresh_from_db()
    assert lead.is_lead


def test_submitting_twice_promotes_once(desk, organization, lead):
    data = form_for(desk, lead, date_of_birth="1979-11-02")

    first = desk.post(url(lead), data)
    second = desk.post(url(lead), data)

    assert first["Location"] == second["Location"]
    assert Patient.objects.get(pk=lead.pk).patient_number == 1
    organization.refresh_from_db()
    assert organization.last_patient_number == 1


def test_an_active_patient_who_may_be_the_same_person_must_be_confirmed(desk, organization, lead):
    existing = PatientFactory(organization=organization, phone="+15145550142")
    data = form_for(desk, lead, date_of_birth="1979-11-02")

    warned = desk.post(url(lead), data)
    confirmed = desk.post(url(lead), data | {"confirm_new": "1", "seen_duplicates": str(existing.pk)})

    assert warned.status_code == 409 and "same phone" in warned.content.decode()
    assert confirmed.status_code == 302
    assert not Patient.objects.get(pk=lead.pk).is_lead


def test_a_full_patient_has_nothing_to_complete(desk, organization):
    patient = PatientFactory(organization=organization)

    response = desk.get(url(patient))
    posted = desk.post(url(patient), {"given_name": "X", "form_token": "other"})

    assert response.status_code == 302 and response["Location"] == reverse("frontdesk:patient_detail",
                                                                           args=[patient.pk])
    assert posted.status_code == 302
