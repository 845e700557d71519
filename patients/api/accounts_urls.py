"""Routes of patient sign-in, the patient's own details and contact verification."""

from django.urls import path

from patients.api.accounts import (
    ConfirmVerificationView,
    MeView,
    SignInView,
    SignOutView,
    StartVerificationView,
)

urlpatterns = [
    path("v1/patients/sign-in", SignInView.as_view(), name="patient-sign-in"),
    path("v1/patients/sign-out", SignOutView.as_view(), name="patient-sign-out"),
    path("v1/me", MeView.as_view(), name="patient-me"),
    path(
        "v1/patients/<str:patient_id>/verifications/<str:channel>", StartVerificationView.as_view(),
        name="patient-verification-start",
    ),
    path(
        "v1/patients/<str:patient_id>/verifications/<str:channel>/confirm", ConfirmVerificationView.as_view(),
        name="patient-verification-confirm",
    ),
]
