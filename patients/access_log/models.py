"""AccessEvent: one read (or other use) of one patient's record. Rows are only ever added."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from organizations.models import ApiKey
from organizations.scoping import OrganizationOwned, OrganizationScopedQuerySet
from patients.access_log.actions import AccessAction
from patients.models import Channel, Patient

# The doors of patients.models.Channel (FHIR among them).
Door = models.TextChoices("Door", [(c.name, (c.value, c.label)) for c in Channel])


class AppendOnlyError(Exception):
    """The access log is append-only: no row may be changed or deleted."""

    def __init__(self, what="changed or deleted"):
        super().__init__(f"The access log is append-only: its events cannot be {what}.")


class AccessEventQuerySet(OrganizationScopedQuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("updated")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError("updated")

    def update_or_create(self, *args, **kwargs):
        raise AppendOnlyError("updated")

    def delete(self):
        raise AppendOnlyError("deleted")

    def _raw_delete(self, using):
        raise AppendOnlyError("deleted")

    _raw_delete.queryset_only = True


class AccessEvent(OrganizationOwned):
    class ActorKind(models.TextChoices):
        STAFF = "staff", _("Staff user")
        API_KEY = "api_key", _("API key")
        PATIENT = "patient", _("The patient (signed in)")
        SYSTEM = "system", _("System")

    id = models.BigAutoField(primary_key=True)
    # Indexed by the (organization, ...) indexes below; the foreign keys' own indexes serve PROTECT's checks.
    organization = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT, related_name="+",
                                     db_index=False)
    # PROTECT: a record someone read keeps its trail; archive the patient instead of deleting it.
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="access_events")
    action = models.CharField(max_length=10, choices=AccessAction.choices)
    door = models.CharField(max_length=20, choices=Door.choices)
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    api_key = models.ForeignKey(ApiKey, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    api_key_name = models.CharField(max_length=100, blank=True)
    acting_patient = models.ForeignKey(Patient, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                       help_text="The signed-in patient, when a patient read a record.")
    actor_label = models.CharField(max_length=200, help_text="Who, in words, as it was at the time.")
    detail = models.CharField(max_length=200, blank=True, help_text="E.g. that full health card numbers were included.")
    at = models.DateTimeField()
    client_address = models.GenericIPAddressField(null=True, blank=True)

    objects = AccessEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("access event")
        indexes = [
            models.Index(fields=["organization", "patient", "-at"], name="access_org_patient_at"),
            models.Index(fields=["organization", "-at"], name="access_org_at"),
        ]

    def __str__(self):
        return f"{self.actor_label} · {self.get_action_display()} · {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("changed")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("deleted")
