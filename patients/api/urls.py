"""All API routes. Each contract keeps its routes in its own module."""

from django.urls import include, path

urlpatterns = [
    path("", include("patients.api.patients_urls")),
    path("", include("patients.api.leads_urls")),
    path("", include("patients.api.accounts_urls")),
]
