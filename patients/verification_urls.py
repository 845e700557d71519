"""Front-desk verification actions (POST), under a patient's page."""

from django.urls import path

from patients import verification_views as views

app_name = "verification"

urlpatterns = [
    path("patients/<uuid:pk>/verification/<str:channel>/send/", views.send_code, name="send"),
    path("patients/<uuid:pk>/verification/<str:channel>/confirm/", views.enter_code, name="confirm"),
    path("patients/<uuid:pk>/verification/<str:channel>/in-person/", views.verified_in_person, name="in_person"),
]
