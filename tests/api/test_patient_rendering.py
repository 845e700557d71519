"""The v1 patient answer is built directly (for speed); it must equal DRF's field-by-field rendering."""

from datetime import date, timedelta

from rest_framework import serializers

from patients.api.patient_serializers import PatientSerializer
from patients.models import Patient, Verification
from tests.factories import HealthCardFactory, LeadFactory, PatientFactory, PatientGroupFactory, ProviderFactory


def drf_rendering(patient):
    return serializers.Serializer.to_representation(PatientSerializer(), patient)


def test_a_full_patient_renders_as_drf_would(organization):
    patient = PatientFactory(organization=organization, emr_id=42, meta={"a": [1, 2]}, roles=["patient", "caregiver"],
                             province="ON", referrer="dr-okafor", accepts_marketing=True, unread_notifications=3)
    patient.providers.set(ProviderFactory.create_batch(2, organization=organization))
    patient.groups.set([PatientGroupFactory(organization=organization)])
    HealthCardFactory(patient=patient, expiry_date=date.today() - timedelta(days=1))
    Verification.objects.create(organization=organization, patient=patient, channel="email", status="verified")
    patient = Patient.objects.get(pk=patient.pk)

    assert PatientSerializer(patient).data == drf_rendering(patient)
    assert PatientSerializer(patient).data["hcCard"]["expired"] is True


def test_a_lead_without_card_or_phone_renders_as_drf_would(organization):
    lead = LeadFactory(organization=organization, phone="", email="")
    lead = Patient.objects.get(pk=lead.pk)

    rendered = PatientSerializer(lead).data

    assert rendered == drf_rendering(lead)
    assert rendered["hcCard"] is None and rendered["patientNo"] is None and rendered["dateOfBirth"] is None
