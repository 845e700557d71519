"""History in the admin: who changed what, through which channel, including API keys by name."""

from django.urls import reverse

from patients.actors import Actor
from patients.models import Channel
from patients.services import register_patient, update_patient


def history_url(patient):
    return reverse("admin:patients_patient_history", args=[patient.pk])


def test_a_change_made_through_the_api_shows_the_keys_name(login, owner, organization, api_key):
    patient = register_patient(organization, {
        "given_name": "Ada", "family_name": "Lovelace", "gender": "female", "date_of_birth": "1985-12-10",
        "phone": "+14165550111", "health_card": {"number": "9876543217", "province": "ON"},
    }, actor=Actor.for_api_key(api_key))
    update_patient(patient, {"referrer": "Website"}, actor=Actor.for_api_key(api_key))

    page = login(owner).get(history_url(patient))
    assert page.status_code == 200
    text = page.content.decode()
    assert text.count("API key: EMR bridge") >= 3  # registered, updated, and the health card
    assert str(Channel.API.label) in text
    assert "Referrer:" in text and "Website" in text
    assert "<th scope=\"col\">actor</th>" in text
    records = page.context["page_obj"].object_list
    assert {r.history_actor for r in records} == {"API key: EMR bridge"}
    assert {r.history_change_reason for r in records} == {"Registered", "Updated"}


def test_history_shows_admin_changes_and_the_health_card(login, owner, organization):
    client = login(owner)
    patient = register_patient(organization, {
        "given_name": "Ada", "family_name": "Lovelace", "gender": "female", "date_of_birth": "1985-12-10",
        "phone": "+14165550111",
    }, actor=Actor.for_user(owner, Channel.INTAKE))
    update_patient(patient, {"health_card": {"number": "9876543217", "province": "ON"}},
                   actor=Actor.for_user(owner, Channel.ADMIN))
    page = client.get(history_url(patient))
    text = page.content.decode()
    assert "owner (Intake form)" in text
    health_card_history = page.context["health_card_history"]
    assert [(r.history_type, r.history_actor) for r in health_card_history] == [("+", "owner (Admin)")]
    assert "Health card history" in text


def test_reverting_from_history_is_not_offered(login, superuser, organization, api_key):
    patient = register_patient(organization, {
        "given_name": "Ada", "family_name": "Lovelace", "gender": "female", "date_of_birth": "1985-12-10",
        "phone": "+14165550111",
    }, actor=Actor.for_api_key(api_key))
    version = patient.history.first()
    client = login(superuser)
    url = reverse("admin:patients_patient_simple_history", args=[patient.pk, version.history_id])
    assert client.get(url).status_code == 200
    response = client.post(url, {"given_name": "Changed"})
    assert response.status_code == 404
    patient.refresh_from_db()
    assert patient.given_name == "Ada"
