from django.apps import AppConfig


class AccessLogConfig(AppConfig):
    name = "patients.access_log"
    label = "access_log"
    verbose_name = "Access log"
    default_auto_field = "django.db.models.BigAutoField"
