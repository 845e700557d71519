"""Front desk: "Same person as …" from a duplicate warning or a patient page, the compare page,
a merged record's page with "Undo merge", and archive/restore buttons."""

import datetime

import pytest
from django.urls import reverse

from patients.access_log import AccessEvent
from patients.merging.models import PatientMerge
from patients.models import Patient
from tests.factories import LeadFactory, PatientFactory
from tests.frontdesk.data import patient_form

REGISTER = reverse("frontdesk:register")


@pytest.fixture
def existing(organization):
    return PatientFactory(organization=organization, given_name="Elodie", family_name="Tremblay",
                          date_of_birth=datetime.date(1984, 3, 9), phone="+14165550199", email="old@example.com",
                          province="")


def compare_url(merged, survivor):
    return reverse("frontdesk:merge_into", args=[merged.pk, survivor.pk])


def test_same_person_on_the_registration_warning_keeps_the_typed_details_as_a_lead_and_compares(desk, existing):
    warning = desk.post(REGISTER, patient_form(email="")).content.decode()
    assert f'name="same_person_as" value="{existing.pk}"' in warning

    response = desk.post(REGISTER, patient_form(email="", same_person_as=str(existing.pk)))

    lead = Patient.objects.get(status=Patient.Status.LEAD)
    assert response.status_code == 302 and response["Location"] == compare_url(lead, existing)
    assert (lead.given_name, lead.province) == ("Élodie", "ON")


def test_the_compare_page_shows_both_side_by_side_and_writes_a_view_on_each(desk, organization, existing):
    lead = LeadFactory(organization=organization, given_name="Élodie", family_name="Tremblay", province="ON")

    response = desk.get(compare_url(lead, existing))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="differs-province"' in page and 'name="keep_province" value="merged" checked' in page
    assert 'data-testid="differs-family_name"' not in page  # the same on both: nothing to choose
    assert set(AccessEvent.objects.values_list("patient_id", "action")) == {(lead.pk, "view"), (existing.pk, "view")}


def test_confirming_merges_with_the_choices_and_the_merged_page_offers_undo(desk, organization, existing):
    lead = LeadFactory(organization=organization, given_name="Élodie", family_name="Tremblay", province="ON",
                       phone="+14165550100")

    response = desk.post(compare_url(lead, existing), {"keep_phone": "merged", "keep_province": "survivor",
                                                        "reason": "Walk-in, same person"})

    assert response.status_code == 302 and response["Location"] == reverse("frontdesk:patient_detail",
                                                                          args=[existing.pk])
    existing.refresh_from_db()
    assert (str(existing.phone), existing.province) == ("+14165550100", "")
    record = PatientMerge.objects.get()
    assert (record.channel, record.reason) == ("intake", "Walk-in, same person")

    page = desk.get(reverse("frontdesk:patient_detail", args=[lead.pk])).content.decode()
    assert 'data-testid="merged-banner"' in page and str(existing) in page
    assert reverse("frontdesk:unmerge", args=[lead.pk]) in page
    assert 'data-testid="archive"' not in page

    desk.post(reverse("frontdesk:unmerge", args=[lead.pk]))
    assert Patient.objects.get(pk=lead.pk).status == Patient.Status.LEAD
    assert str(Patient.objects.get(pk=existing.pk).phone) == "+14165550199"


def test_a_refused_merge_shows_why_and_merges_nothing(desk, organization, existing):
    patient = PatientFactory(organization=organization)
    lead = LeadFactory(organization=organization)

    response = desk.post(compare_url(patient, lead), {})

    assert response.status_code == 409
    assert "cannot be merged into a lead" in response.content.decode()
    assert not PatientMerge.objects.exists()


def test_a_patient_page_offers_same_person_for_its_possible_duplicates(desk, organization, existing):
    lead = LeadFactory(organization=organization, phone="+14165550199")

    page = desk.get(reverse("frontdesk:patient_detail", args=[lead.pk])).content.decode()

    assert 'data-testid="same-person-link"' in page and compare_url(lead, existing) in page


def test_another_organizations_record_is_a_404(desk, existing, other_organization):
    stranger = PatientFactory(organization=other_organization)
    assert desk.get(compare_url(stranger, existing)).status_code == 404
    assert desk.post(compare_url(existing, stranger)).status_code == 404
    assert desk.post(reverse("frontdesk:archive", args=[stranger.pk])).status_code == 404


def test_archive_and_restore_buttons(desk, existing):
    detail = reverse("frontdesk:patient_detail", args=[existing.pk])
    assert 'data-testid="archive"' in desk.get(detail).content.decode()

    desk.post(reverse("frontdesk:archive", args=[existing.pk]))
    page = desk.get(detail).content.decode()
    assert 'data-testid="archived-banner"' in page and 'data-testid="restore"' in page
    assert Patient.objects.get(pk=existing.pk).status == Patient.Status.ARCHIVED

    desk.post(reverse("frontdesk:restore", args=[existing.pk]))
    assert Patient.objects.get(pk=existing.pk).status == Patient.Status.ACTIVE
    assert list(AccessEvent.objects.filter(action__in=["archive", "restore"]).values_list("action", flat=True)
                .order_by("at")) == ["archive", "restore"]


def test_the_list_hides_merged_and_archived_records_unless_filtered(desk, organization, existing):
    PatientFactory(organization=organization, given_name="Archibald", family_name="Tremblay",
                   status=Patient.Status.ARCHIVED)
    listing = reverse("frontdesk:patient_list")

    assert "Archibald" not in desk.get(listing, {"q": "tremblay"}).content.decode()
    assert "Archibald" in desk.get(listing, {"q": "tremblay", "status": "archived"}).content.decode()
