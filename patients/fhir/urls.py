from django.urls import path, re_path

from patients.fhir import views

urlpatterns = [
    path("", views.MetadataView.as_view(), name="fhir-base"),
    path("metadata", views.MetadataView.as_view(), name="fhir-metadata"),
    path("Patient", views.PatientTypeView.as_view(), name="fhir-patients"),
    path("Patient/_search", views.PatientSearchView.as_view(), name="fhir-patient-search"),
    path("Patient/$match", views.PatientMatchView.as_view(), name="fhir-patient-match"),
    re_path(r"^Patient/(?P<patient_id>[A-Za-z0-9\-.]{1,64})$", views.PatientInstanceView.as_view(),
            name="fhir-patient"),
    re_path(r"^Patient/(?P<patient_id>[A-Za-z0-9\-.]{1,64})/_history/(?P<version_id>[A-Za-z0-9\-.]{1,64})$",
            views.PatientVersionView.as_view(), name="fhir-patient-version"),
]
