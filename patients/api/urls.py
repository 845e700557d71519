"""All API routes. Each contract keeps its routes in its own module."""

from django.urls import include, path

urlpatterns = [
    # First: "v1/patients/sign-in" and "sign-out" must win over "v1/patients/<patient_id>".
    path("", include("patients.api.accounts_urls")),
    path("", include("patients.api.patients_urls")),
    path("", include("patients.api.leads_urls")),
    path("", include("patients.merging.api_urls")),
]
