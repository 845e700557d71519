from django.http import HttpResponse
from django.urls import path

from bench.reference.views import RegistrationCreate

urlpatterns = [
    path("api/v1/patients", RegistrationCreate.as_view()),
    path("ping", lambda request: HttpResponse("ok")),
]
