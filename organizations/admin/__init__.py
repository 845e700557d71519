"""The Django admin for organizations, scoped per organization (see scoping.py)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from organizations.admin import api_keys, organizations, sign_in_locks  # noqa: F401  (registers the model admins)

# The product's name; templates/admin/base_site.html adds the clinic's. "Front desk" replaces "View site".
admin.site.site_header = admin.site.site_title = "Patient Intake"
admin.site.index_title = _("Administration")
admin.site.site_url = None
