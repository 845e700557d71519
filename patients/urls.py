"""Front-desk pages (HTML). The API lives in patients/api/."""

from django.urls import include, path

from patients.views import access, duplicates, records, register, search

app_name = "frontdesk"

urlpatterns = [
    path("", access.home, name="home"),
    path("patients/", search.patient_list, name="patient_list"),
    path("patients/new/", register.register, name="register"),
    path("patients/new-lead/", register.quick_lead, name="quick_lead"),
    path("patients/possible-duplicates/", duplicates.live_check, name="duplicates_check"),
    path("patients/<uuid:pk>/", records.patient_detail, name="patient_detail"),
    path("patients/<uuid:pk>/health-card/show/", records.reveal_health_card, name="reveal_health_card"),
    path("patients/<uuid:pk>/edit/", records.patient_edit, name="patient_edit"),
    path("patients/<uuid:pk>/complete/", records.complete_registration, name="complete_registration"),
    path("patients/<uuid:pk>/saved/", register.saved, name="patient_saved"),
    path("", include("patients.merging.urls")),
]
