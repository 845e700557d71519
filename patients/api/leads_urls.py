"""Routes of the "Register Patient" contract and of lead promotion (mounted under /api/)."""

from django.urls import path

from patients.api.leads import RegisterPatientView
from patients.api.promotion import PromoteLeadView

urlpatterns = [
    path("user/v1/patients/add", RegisterPatientView.as_view(), name="register-patient"),
    path("v1/patients/<uuid:patient_id>/promote", PromoteLeadView.as_view(), name="api-v1-patient-promote"),
]
