from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("", include("operations.urls")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("patients.api.urls")),
    path("fhir/R4/", include("patients.fhir.urls")),
    path("", include("django.contrib.auth.urls")),
    path("organization/", include("organizations.urls")),
    path("", include("patients.urls")),
    path("", include("patients.verification_urls")),
]

handler404 = "patients.api.errors.not_found"  # JSON error shape for unknown /api/ addresses
handler500 = "patients.api.errors.server_error"  # the same shape (and the request id) for a bug
