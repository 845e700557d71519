"""Promoting leads in the admin: the bulk action and the "Complete registration" page, both on
patients.services.promote_lead; every promotion lands in the patient's history."""

import datetime

import pytest
from django.urls import reverse

from patients.models import Patient
from tests.date_parts import with_date_parts
from tests.factories import LeadFactory, PatientFactory

LIST = reverse("admin:patients_patient_changelist")


def page_url(patient):
    return reverse("admin:patients_patient_complete_registration", args=[patient.pk])


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def leads(organization):
    return {
        "complete": LeadFactory(organization=organization, given_name="Cara", family_name="Complete",
                                date_of_birth=datetime.date(1980, 3, 4), phone="+14165550301"),
        "no_birth_date": LeadFactory(organization=organization, given_name="Nora", family_name="Nodate",
                                     phone="+14165550302"),
        "no_phone_no_name": LeadFactory(organization=organization, given_name="Solo", family_name="",
                                        date_of_birth=datetime.date(1975, 1, 1), phone=""),
        "duplicate": LeadFactory(organization=organization, given_name="Dana", family_name="Double",
                                 date_of_birth=datetime.date(1990, 1, 1), phone="+14165550399"),
        "active": PatientFactory(organization=organization, given_name="Ava", family_name="Active",
                                 phone="+14165550399"),
    }


def promote(client, *patients):
    return client.post(LIST, {"action": "promote_selected_leads",
                              "_selected_action": [str(p.pk) for p in patients]}, follow=True)


def test_bulk_promotion_promotes_complete_leads_and_says_why_not_for_the_others(login, owner, leads):
    response = promote(login(owner), *leads.values())
    assert response.status_code == 200
    shown = messages_of(response)

    complete = Patient.objects.get(pk=leads["complete"].pk)
    assert complete.status == Patient.Status.ACTIVE and complete.patient_number == 2  # "Ava" took #1
    assert complete.promoted_by_label == "owner (Admin)" and complete.promoted_at is not None
    assert any(m.startswith("Promoted 1 lead(s) to patients: Cara Complete #2") for m in shown), shown

    assert any("Nora Nodate (lead): not promoted, missing date of birth" in m for m in shown), shown
    assert any("Solo (lead): not promoted, missing family name, phone" in m for m in shown), shown
    assert any("Dana Double (lead): not promoted, possibly already registered: Ava Active #1 (same phone)" in m
               for m in shown), shown
    assert any("Ava Active #1: not promoted, it is not a lead" in m for m in shown), shown
    for name in ("no_birth_date", "no_phone_no_name", "duplicate"):
        lead = Patient.objects.get(pk=leads[name].pk)
        assert lead.status == Patient.Status.LEAD and lead.patient_number is None
    assert Patient.objects.get(pk=leads["active"].pk).patient_number == 1


def test_each_promotion_is_in_the_patients_history(login, owner, leads):
    client = login(owner)
    promote(client, leads["complete"])
    record = leads["complete"].history.first()
    assert (record.history_change_reason, record.history_actor) == ("Promoted from lead to patient", "owner (Admin)")
    page = client.get(reverse("admin:patients_patient_history", args=[leads["complete"].pk])).content.decode()
    assert "Promoted from lead to patient" in page


def test_bulk_promotion_cannot_reach_another_organizations_leads(login, owner, birch_lead):
    response = promote(login(owner), birch_lead)
    assert response.status_code == 200
    birch_lead.refresh_from_db()
    assert birch_lead.status == Patient.Status.LEAD


def test_the_change_page_of_a_lead_links_to_complete_registration(login, owner, leads):
    client = login(owner)
    lead_page = client.get(reverse("admin:patients_patient_change", args=[leads["no_birth_date"].pk]))
    assert page_url(leads["no_birth_date"]) in lead_page.content.decode()
    patient_page = client.get(reverse("admin:patients_patient_change", args=[leads["active"].pk]))
    assert "Complete registration" not in patient_page.content.decode()


def test_completing_a_registration_on_its_page(login, owner, leads):
    client = login(owner)
    lead = leads["no_phone_no_name"]
    page = client.get(page_url(lead))
    assert page.status_code == 200
    assert "family name, phone" in page.content.decode()
    response = client.post(page_url(lead), with_date_parts({
        "given_name": "Solo", "family_name": "Sailor",
        "date_of_birth": "1975-01-01", "gender": "female",
        "phone": "(416) 555-0310", "email": lead.email}), follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:patients_patient_change", args=[lead.pk])
    lead.refresh_from_db()
    assert lead.status == Patient.Status.ACTIVE and lead.patient_number is not None
    assert lead.family_name == "Sailor" and str(lead.phone) == "+14165550310"
    assert lead.history.first().history_change_reason == "Promoted from lead to patient"
    assert any("is now a full patient" in m for m in messages_of(response))


def test_the_page_lists_what_promotion_would_say_is_missing(login, owner, organization):
    # The same rule as promote_lead: a phone kept in parts counts only when it makes a valid number.
    born = datetime.date(1980, 5, 6)
    usable = LeadFactory(organization=organization, given_name="Amal", family_name="Haddad", date_of_birth=born,
                         phone="", calling_code="+971", local_phone="561231231")
    unusable = LeadFactory(organization=organization, given_name="Omar", family_name="Haddad", date_of_birth=born,
                           phone="", calling_code="abc", local_phone="12")
    client = login(owner)
    assert client.get(page_url(usable)).context["missing"] == []
    assert client.get(page_url(unusable)).context["missing"] == ["phone"]


def test_a_rule_broken_on_the_page_is_a_form_error(login, owner, leads):
    client = login(owner)
    lead = leads["no_birth_date"]
    response = client.post(page_url(lead), with_date_parts({
        "given_name": "Nora", "family_name": "Nodate", "gender": "female",
        "date_of_birth": "2999-01-01", "phone": "+1 416 555 0302"}))
    assert response.status_code == 200
    assert "future" in " ".join(response.context["form"].errors["date_of_birth"])
    response = client.post(page_url(lead), with_date_parts({
        "given_name": "Nora", "family_name": "Nodate", "gender": "female",
        "phone": "+1 416 555 0302"}))
    assert "needed" in " ".join(response.context["form"].errors["date_of_birth"])
    lead.refresh_from_db()
    assert lead.status == Patient.Status.LEAD


def test_promoting_into_a_possible_duplicate_needs_explicit_confirmation(login, owner, leads):
    client = login(owner)
    lead = leads["duplicate"]
    page = client.get(page_url(lead)).content.decode()
    assert "Possible duplicates" in page and "Ava Active #1" in page and "same phone" in page
    assert 'type="checkbox" name="confirm"' in page

    fields = {"given_name": "Dana", "family_name": "Double", "date_of_birth": "1990-01-01", "gender": "female",
              "phone": "+14165550399", "email": lead.email}
    refused = client.post(page_url(lead), with_date_parts(fields))
    assert refused.status_code == 200
    assert "already registered" in " ".join(refused.context["form"].non_field_errors())
    lead.refresh_from_db()
    assert lead.status == Patient.Status.LEAD

    confirmed = client.post(page_url(lead), with_date_parts({
        **fields, "confirm": "on"}))
    assert confirmed.status_code == 302
    lead.refresh_from_db()
    assert lead.status == Patient.Status.ACTIVE


def test_the_page_of_another_organizations_lead_is_404(login, owner, birch_lead):
    assert login(owner).get(page_url(birch_lead)).status_code == 404


def test_the_page_of_a_patient_already_active_sends_back(login, owner, leads):
    response = login(owner).get(page_url(leads["active"]))
    assert response.status_code == 302


def test_completing_a_registration_asks_for_what_the_clinic_requires(login, owner, organization, leads):
    organization.required_fields = ["province", "health_card"]
    organization.save()
    client = login(owner)
    lead = leads["complete"]
    page = client.get(page_url(lead))
    assert page.context["missing"] == ["province or state", "health card"]  # the form's labels, mid-sentence
    assert {"province", "health_card_number", "health_card_province"} <= set(page.context["form"].fields)

    data = {"given_name": "Cara", "family_name": "Complete", "date_of_birth": "1980-03-04", "gender": "female",
            "phone": "+1 416 555 0301"}
    refused = client.post(page_url(lead), with_date_parts(data))
    assert refused.context["form"].errors == {"province": ["Required by this clinic."],
                                              "health_card_number": ["Required by this clinic."]}
    response = client.post(page_url(lead), with_date_parts({
        **data, "province": "ON", "health_card_number": "9876543217",
        "health_card_province": "ON"}))
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.status == Patient.Status.ACTIVE and lead.health_card.number == "9876543217"
