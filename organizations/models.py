import hashlib
import secrets
import uuid
import zoneinfo
from functools import cache, cached_property

from axes.models import AccessAttempt
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, models, router
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE

from organizations.scoping import OrganizationOwned

PHONE_REGIONS = sorted({r for regions in COUNTRY_CODE_TO_REGION_CODE.values() for r in regions if r != "001"})

# What a clinic may require of a full patient beyond the base (names, date of birth, gender, phone):
# the patient field (domain name) -> how the admin and the command name it.
REQUIRABLE_FIELDS = {
    "email": _("Email"),
    "province": _("Province or state"),
    "health_card": _("Health card"),
    "preferred_language": _("Preferred language"),
}


class LeadContact(models.TextChoices):
    """How a lead (a caller not yet fully registered) must be reachable."""

    NOTHING = "nothing", _("Nothing: a lead may come without a phone or an email")
    PHONE = "phone", _("A phone")
    EMAIL = "email", _("An email")
    PHONE_OR_EMAIL = "phone-or-email", _("A phone or an email")


@cache
def time_zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(name):
    if name not in time_zone_names():
        raise ValidationError(_("Enter a time zone name such as America/Toronto."))


class Organization(models.Model):
    """A clinic, or a network of clinics sharing one patient register."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=63, unique=True)
    portal_domain = models.CharField(
        max_length=253, unique=True, null=True, blank=True,
        help_text="The clinic's own patient portal host, e.g. portal.example-clinic.ca.",
    )
    default_phone_region = models.CharField(
        max_length=2, default="CA", choices=[(r, r) for r in PHONE_REGIONS],
        help_text="Region used to read phone numbers typed without a country code.",
    )
    time_zone = models.CharField(
        max_length=64, default="America/Toronto", validators=[validate_time_zone],
        verbose_name=_("time zone"),
        help_text=_("The clinic's time zone (e.g. America/Toronto): every time is shown and sent in it."),
    )
    language = models.CharField(
        max_length=8, choices=settings.LANGUAGES, default="en", db_default="en", verbose_name=_("language"),
        help_text=_("The front desk's language, and the patients' unless they prefer another."),
    )
    is_active = models.BooleanField(default=True)
    allows_self_registration = models.BooleanField(
        default=False, help_text="Patients may register themselves through the API without a key."
    )
    # The registration policy (patients.cleaning enforces it): columns of this row, so every request
    # that has the organization has its policy without another query.
    required_fields = models.JSONField(
        default=list, blank=True, verbose_name=_("required for a full patient"),
        help_text=_("What a full patient needs beyond names, date of birth, gender and phone."),
    )
    lead_requires = models.CharField(
        max_length=16, choices=LeadContact.choices, default=LeadContact.NOTHING,
        verbose_name=_("a lead needs"), help_text=_("How a lead must be reachable."),
    )
    last_patient_number = models.PositiveBigIntegerField(
        default=0, help_text="The last patient number handed out; numbers are never reused."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # Only allocate_patient_number() moves the sequence: saving a copy loaded before some
        # registrations (an admin edit, a long request) must not write its stale value back.
        if not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields if not f.primary_key and f.name != "last_patient_number"
            ]
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        fields = self.required_fields
        if not isinstance(fields, list) or any(f not in REQUIRABLE_FIELDS for f in fields):
            raise ValidationError({"required_fields": _("Choose among: %(fields)s.") % {
                "fields": ", ".join(REQUIRABLE_FIELDS)}})
        self.required_fields = [f for f in REQUIRABLE_FIELDS if f in fields]  # one order, no repeats

    def requires(self, field: str) -> bool:
        """Whether this clinic's registration policy requires `field` of a full patient."""
        return field in self.required_fields

    @cached_property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The clinic's time zone (UTC when the stored name is unknown)."""
        try:
            return zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")

    def allocate_patient_number(self) -> int:
        """Take the next patient number. Call inside the registering transaction.

        The UPDATE takes the organization row's lock until commit, so concurrent
        registrations in one organization get distinct, increasing numbers; a rolled-back
        registration hands its number back unused.
        """
        connection = connections[router.db_for_write(type(self))]
        table = connection.ops.quote_name(self._meta.db_table)
        column = connection.ops.quote_name("last_patient_number")
        # One statement (UPDATE ... RETURNING: PostgreSQL, and SQLite >= 3.35) instead of UPDATE + SELECT.
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET {column} = {column} + 1 WHERE id = %s RETURNING {column}",
                [self._meta.pk.get_db_prep_value(self.pk, connection)],
            )
            self.last_patient_number = cursor.fetchone()[0]
        return self.last_patient_number


class Provider(OrganizationOwned):
    """A clinician patients can be assigned to."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="provider_name_unique_per_org")
        ]

    def __str__(self):
        return self.name


class PatientGroup(OrganizationOwned):
    """A cohort or programme patients belong to (e.g. "Diabetes clinic")."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="patientgroup_name_unique_per_org")
        ]

    def __str__(self):
        return self.name


def person_label(user) -> str:
    """A staff member for reading: "Marie Tremblay (mtremblay)", or the username alone."""
    name = user.get_full_name()
    return f"{name} ({user.get_username()})" if name else user.get_username()


class Membership(OrganizationOwned):
    """A staff user's role in one organization. A user may belong to several."""

    class Role(models.TextChoices):
        FRONT_DESK = "front_desk", _("Front desk")
        ADMIN = "admin", _("Organization admin")

    organization = models.ForeignKey("organizations.Organization", on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.FRONT_DESK)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique_per_user_org")
        ]

    def __str__(self):
        return f"{person_label(self.user)} · {self.get_role_display()} · {self.organization.name}"


KEY_PREFIX_LENGTH = 8


def hash_api_key(raw_key: str) -> str:
    # Keys are 256-bit random strings, so a fast hash is safe here (no dictionary to guess from)
    # and keeps authentication to one indexed lookup per request.
    return hashlib.sha256(raw_key.encode()).hexdigest()


class ApiKeyQuerySet(models.QuerySet):
    def for_organization(self, organization):
        return self.filter(organization=organization)

    def usable(self, now=None):
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, organization__is_active=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiKey(OrganizationOwned):
    """A secret an external system uses to call the API for one organization.

    Only a hash is stored; the first characters are kept in clear so staff can tell keys apart.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=KEY_PREFIX_LENGTH, db_index=True, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def generate_raw_key() -> str:
        return "pik_" + secrets.token_urlsafe(32)

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class StaffSignInFailures(AccessAttempt):
    """Failed staff sign-ins per username and address (django-axes' records), for the unlock page."""

    class Meta:
        proxy = True
        verbose_name = "staff sign-in lock"
        verbose_name_plural = "staff sign-in locks"
