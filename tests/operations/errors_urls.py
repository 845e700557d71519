"""A URL configuration with routes that fail, for the server-error tests."""

from django.urls import path


def broken(request):
    raise RuntimeError("a bug")


urlpatterns = [
    path("api/v1/broken", broken),
    path("api/user/v1/broken", broken),
    path("broken/", broken),
]

handler500 = "patients.api.errors.server_error"
