"""Merges racing each other, a promotion or an edit, on PostgreSQL with parallel requests: the row
locks decide, and there is never a cycle nor a chain longer than one."""

import pytest

from patients.merging.models import PatientMerge
from patients.models import Patient
from tests.api.patients_helpers import client_with_key, detail_url, patch
from tests.api.test_concurrency import race
from tests.factories import LeadFactory, PatientFactory

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def merge(api_key, merged, into, **body):
    return client_with_key(api_key.raw).post(f"{detail_url(merged.pk)}/merge", {"into": str(into.pk), **body},
                                             format="json")


def race_calls(**calls):
    """Run the named calls at once; their responses by name."""
    queue = iter(calls.items())

    def send():
        name, call = next(queue)
        return name, call()

    return dict(race(send, times=len(calls)))


def no_cycle_nor_chain():
    merged = Patient.objects.filter(status=Patient.Status.MERGED)
    assert not merged.filter(merged_into__status=Patient.Status.MERGED).exists()
    assert PatientMerge.objects.filter(undone_at__isnull=True).count() == merged.count()


def test_two_staff_merging_the_same_lead_at_once_one_succeeds(api_key, organization):
    lead = LeadFactory(organization=organization)
    first, second = PatientFactory(organization=organization), PatientFactory(organization=organization)
    targets = iter([first, second])

    responses = race(lambda: merge(api_key, lead, next(targets)))

    assert sorted(r.status_code for r in responses) == [200, 409]
    refused = next(r for r in responses if r.status_code == 409).json()
    assert refused["code"] == "already_merged"
    assert PatientMerge.objects.count() == 1
    no_cycle_nor_chain()


def test_a_into_b_and_b_into_a_at_once_one_succeeds(api_key, organization):
    a, b = PatientFactory(organization=organization), PatientFactory(organization=organization)
    pairs = iter([(a, b), (b, a)])

    responses = race(lambda: merge(api_key, *next(pairs)))

    assert sorted(r.status_code for r in responses) == [200, 409]
    assert next(r for r in responses if r.status_code == 409).json()["code"] in ("already_merged",
                                                                                "would_make_chain")
    assert Patient.objects.filter(status=Patient.Status.MERGED).count() == 1
    no_cycle_nor_chain()


def test_a_chain_cannot_form_from_two_merges_at_once(api_key, organization):
    a, b, c = (PatientFactory(organization=organization) for _ in range(3))
    pairs = iter([(a, b), (b, c)])  # a into b while b goes into c

    responses = race(lambda: merge(api_key, *next(pairs)))

    assert sorted(r.status_code for r in responses) == [200, 409]
    no_cycle_nor_chain()


def test_a_merge_racing_a_promotion_of_the_lead_is_consistent(api_key, organization):
    lead = LeadFactory(organization=organization, date_of_birth=None)
    survivor = PatientFactory(organization=organization)
    client = client_with_key(api_key.raw)
    responses = race_calls(
        merge=lambda: merge(api_key, lead, survivor),
        promote=lambda: client.post(f"{detail_url(lead.pk)}/promote",
                                    {"dateOfBirth": "1980-05-06", "confirmDuplicates": True}, format="json"),
    )

    lead.refresh_from_db()
    merged, promoted = responses["merge"], responses["promote"]
    assert merged.status_code == 200  # promoted first (then merged as a patient) or merged first
    if promoted.status_code == 200:
        assert lead.status == Patient.Status.MERGED and lead.patient_number is not None
    else:
        assert promoted.status_code == 409 and lead.status == Patient.Status.MERGED
        assert lead.patient_number is None
    no_cycle_nor_chain()


def test_a_merge_racing_an_edit_of_the_survivor_keeps_both(api_key, organization):
    lead = LeadFactory(organization=organization, province="ON")
    survivor = PatientFactory(organization=organization, province="", referrer="")
    client = client_with_key(api_key.raw)
    responses = race_calls(merge=lambda: merge(api_key, lead, survivor),
                           edit=lambda: patch(client, survivor.pk, {"referrer": "dr-ada"}))

    assert [r.status_code for r in responses.values()] == [200, 200]
    survivor.refresh_from_db()
    assert (survivor.province, survivor.referrer) == ("ON", "dr-ada")


def test_a_merge_racing_an_edit_of_the_merged_record_is_consistent(api_key, organization):
    lead = LeadFactory(organization=organization, referrer="")
    survivor = PatientFactory(organization=organization)
    client = client_with_key(api_key.raw)
    responses = race_calls(merge=lambda: merge(api_key, lead, survivor),
                           edit=lambda: patch(client, lead.pk, {"referrer": "late"}))
    merged, edited = responses["merge"], responses["edit"]

    lead.refresh_from_db()
    assert merged.status_code == 200 and lead.status == Patient.Status.MERGED
    assert lead.merged_into_id == survivor.pk
    if edited.status_code == 409:  # the merge went first: a merged record is not edited
        assert edited.json()["code"] == "merged" and lead.referrer == ""
    else:
        assert edited.status_code == 200 and lead.referrer == "late"
