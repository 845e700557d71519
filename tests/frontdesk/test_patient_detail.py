"""The patient page: record, masked health card, verification, history."""

import datetime

import pytest
from django.urls import reverse

from patients.actors import Actor
from patients.models import Channel, Verification
from patients.services import register_patient, update_patient
from tests.factories import HealthCardFactory, PatientFactory, PatientGroupFactory, ProviderFactory


def url(patient):
    return reverse("frontdesk:patient_detail", args=[patient.pk])


@pytest.fixture
def registered(organization, member):
    return register_patient(organization, {
        "given_name": "Élodie", "family_name": "Tremblay", "gender": "female", "date_of_birth": "1984-03-09",
        "phone": "416 555 0199", "email": "elodie@example.com",
        "health_card": {"number": "9876543217", "province": "ON", "version_code": "AB", "expiry_date": "2031-05-01"},
    }, actor=Actor.for_user(member, Channel.INTAKE))


def test_the_page_shows_the_record_and_a_masked_health_card(desk, registered):
    page = desk.get(url(registered)).content.decode()

    assert "Élodie Tremblay" in page and "9 Mar 1984" in page and "+1 416-555-0199" in page
    assert "••••••3217" in page and "9876543217" not in page
    assert "2031-05-01" in page
    assert 'data-testid="card-expired"' not in page
    assert reverse("frontdesk:patient_edit", args=[registered.pk]) in page
    assert reverse("frontdesk:complete_registration", args=[registered.pk]) not in page


def test_an_expired_card_is_flagged(desk, organization):
    patient = PatientFactory(organization=organization)
    HealthCardFactory(patient=patient, expiry_date=datetime.date(2020, 1, 31))

    page = desk.get(url(patient)).content.decode()

    assert 'data-testid="card-expired"' in page and "2020-01-31" in page


def test_each_channel_shows_its_verification_status(desk, organization, registered):
    Verification.objects.create(organization=organization, patient=registered, channel="email",
                                status=Verification.Status.VERIFIED, destination=registered.email)

    page = desk.get(url(registered)).content.decode()

    email = page.split('data-testid="verification-email">')[1].split("</dd>")[0]
    phone = page.split('data-testid="verification-phone">')[1].split("</dd>")[0]
    assert "Verified" in email and "Unverified" in phone


def test_the_history_says_who_changed_what_and_through_which_door(desk, registered, owner):
    update_patient(registered, {"email": "new@example.com"}, actor=Actor.for_user(owner, Channel.ADMIN))

    page = desk.get(url(registered)).content.decode()
    history = page.split('id="history-title"')[1]

    assert "member (Intake form)" in history and "Registered" in history
    assert "owner (Admin)" in history and "Updated" in history and "(email)" in history
    assert "Health card: created" in history


def test_a_lead_offers_to_complete_the_registration(desk, organization):
    from tests.factories import LeadFactory

    lead = LeadFactory(organization=organization)

    page = desk.get(url(lead)).content.decode()

    assert reverse("frontdesk:complete_registration", args=[lead.pk]) in page
    assert "no number yet" in page


@pytest.mark.parametrize("extra", [0, 12])
def test_the_patient_page_query_count_does_not_grow(desk, organization, member, extra, django_assert_max_num_queries):
    patient = register_patient(organization, {
        "given_name": "Ann", "family_name": "Lee", "gender": "female", "date_of_birth": "1970-01-01",
        "phone": "4165550123", "health_card": {"number": "9876543217", "province": "ON"},
    }, actor=Actor.for_user(member, Channel.INTAKE))
    for i in range(extra):
        patient.providers.add(ProviderFactory(organization=organization))
        patient.groups.add(PatientGroupFactory(organization=organization))
        update_patient(patient, {"preferred_name": f"Annie {i}"}, actor=Actor.for_user(member, Channel.INTAKE))
        update_patient(patient, {"health_card": {"number": "9876543217", "province": "ON", "version_code": "A"
                                                 if i % 2 else "B"}}, actor=Actor.for_user(member, Channel.INTAKE))
    Verification.objects.create(organization=organization, patient=patient, channel="phone")

    # session, user, organization, patient + card, providers, groups, verifications, two histories,
    # the access event, records merged into this one, possible duplicates, and the session save (with
    # its savepoint in tests): 15 whatever the number of rows.
    with django_assert_max_num_queries(15):
        response = desk.get(url(patient))

    assert response.status_code == 200
    assert len(response.context["history"]) == 2 + 3 * extra  # a card change also saves the patient
