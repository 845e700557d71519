from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from patients.api.errors import not_found

urlpatterns = [
    path("", include("operations.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the language switcher
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("patients.api.urls")),
    path("fhir/R4/", include("patients.fhir.urls")),
    path("", include("django.contrib.auth.urls")),
    path("organization/", include("organizations.urls")),
    path("", include("patients.urls")),
    path("", include("patients.verification_urls")),
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    # Last: any other address under /api/ or /fhir/ answers in that door's error shape, also with
    # DEBUG on (where Django would otherwise answer its HTML debug page instead of handler404).
    # (CSRF-exempt like the API views: a POST or PATCH there is a 404, not Django's HTML CSRF page.)
    re_path(r"^(?:api|fhir)/", csrf_exempt(not_found), name="unknown-api-address"),
]

handler404 = "patients.api.errors.not_found"  # JSON error shape for unknown /api/ addresses
handler500 = "patients.api.errors.server_error"  # the same shape (and the request id) for a bug
