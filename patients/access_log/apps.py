from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessLogConfig(AppConfig):
    name = "patients.access_log"
    label = "access_log"
    verbose_name = _("Access log")
    default_auto_field = "django.db.models.BigAutoField"
