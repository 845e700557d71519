"""Routes of the "Create a Patient" contract (mounted under /api/)."""

from django.urls import path

from patients.api.patients import PatientDetailView, PatientListView

urlpatterns = [
    path("v1/patients", PatientListView.as_view(), name="api-v1-patients"),
    path("v1/patients/<uuid:patient_id>", PatientDetailView.as_view(), name="api-v1-patient-detail"),
]
