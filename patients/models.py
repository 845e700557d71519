import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from organizations.compiled_queries import InsertsCompiledOnce
from organizations.models import ApiKey, Organization, PatientGroup, Provider
from organizations.scoping import OrganizationOwned, OrganizationScopedQuerySet
from patients.names import fold, search_name
from patients.phones import readable_phone


class Channel(models.TextChoices):
    """Through which door a change came in."""

    API = "api", _("API")
    SELF_REGISTRATION = "self_registration", _("Patient self-registration")
    INTAKE = "intake", _("Intake form")
    ADMIN = "admin", _("Admin")
    IMPORT = "import", _("Import")
    PATIENT = "patient", _("Patient (signed in)")
    FHIR = "fhir", _("FHIR")


class HistoryActor(InsertsCompiledOnce):
    """Extra columns on every history row: who (in words) and through which channel. Its rows go in
    through an INSERT compiled once: simple-history writes one per change, twice per registration."""

    history_actor = models.CharField(max_length=200, blank=True, default="")
    history_channel = models.CharField(max_length=20, blank=True, default="", choices=Channel.choices)

    class Meta:
        abstract = True


class PatientQuerySet(OrganizationScopedQuerySet):
    def leads(self):
        return self.filter(status=Patient.Status.LEAD)

    def active(self):
        return self.filter(status=Patient.Status.ACTIVE)

    def live(self):
        """Leads and active patients: neither archived nor merged into another record."""
        return self.filter(status__in=Patient.LIVE_STATUSES)


class Patient(InsertsCompiledOnce, OrganizationOwned):
    class Status(models.TextChoices):
        LEAD = "lead", _("Lead")
        ACTIVE = "active", _("Active")
        ARCHIVED = "archived", _("Archived")
        MERGED = "merged", _("Merged")

    class Gender(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")
        OTHER = "other", _("Other")
        UNKNOWN = "unknown", _("Unknown")

    ROLES = ("patient", "caregiver", "dependent")
    LIVE_STATUSES = (Status.LEAD, Status.ACTIVE)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No index of its own: every index below leads with the organization (bench/findings.md).
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="patients",
                                     db_index=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_records", editable=False,
        help_text="The surviving record, once this one was merged into it (patients/merging/).",
    )
    patient_number = models.PositiveBigIntegerField(null=True, blank=True, editable=False)

    given_name = models.CharField(max_length=150, blank=True)
    family_name = models.CharField(max_length=150, blank=True)
    preferred_name = models.CharField(max_length=150, blank=True)
    full_name = models.CharField(max_length=300, blank=True, help_text="The full name exactly as it was sent.")
    gender = models.CharField(max_length=10, choices=Gender.choices, default=Gender.UNKNOWN)
    date_of_birth = models.DateField(null=True, blank=True, help_text="Empty when unknown (leads).")

    email = models.EmailField(max_length=254, blank=True)
    phone = PhoneNumberField(blank=True, help_text="E.164, e.g. +14165550123.")
    calling_code = models.CharField(max_length=8, blank=True, help_text="As sent by the Register Patient contract.")
    local_phone = models.CharField(max_length=32, blank=True, help_text="As sent by the Register Patient contract.")
    province = models.CharField(max_length=2, blank=True, help_text="Two-letter province or state code.")
    preferred_language = models.CharField(
        # db_default: rows written with COPY or raw SQL (the CSV import, the benchmarks) get it too.
        max_length=8, blank=True, default="", db_default="", choices=settings.LANGUAGES,
        verbose_name=_("preferred language"),
        help_text=_("Emails and text messages to the patient are in this language (empty: the clinic's)."),
    )

    # The patient's own login: kept apart from staff users so it can never open staff pages.
    username = models.CharField(max_length=320, blank=True)
    password = models.CharField(max_length=128, blank=True, editable=False)
    failed_sign_ins = models.PositiveIntegerField(default=0, editable=False)
    locked_until = models.DateTimeField(null=True, blank=True, editable=False)

    roles = models.JSONField(default=list, blank=True)
    emr_id = models.BigIntegerField(null=True, blank=True, verbose_name="EMR id")
    referrer = models.CharField(max_length=200, blank=True)
    meta = models.JSONField(default=dict, blank=True)
    unread_notifications = models.PositiveIntegerField(default=0)
    accepts_marketing = models.BooleanField(default=False)
    has_insurance = models.BooleanField(default=False)
    providers = models.ManyToManyField(Provider, blank=True, related_name="patients")
    groups = models.ManyToManyField(PatientGroup, blank=True, related_name="patients")

    created_via = models.CharField(max_length=20, choices=Channel.choices, default=Channel.API, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        editable=False, db_index=False,  # a partial index (Meta): most rows have none
    )
    created_by_api_key = models.ForeignKey(
        ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False,
        db_index=False,  # a partial index (Meta)
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=False)
    updated_at = models.DateTimeField(auto_now=True)
    promoted_at = models.DateTimeField(null=True, blank=True, editable=False)
    promoted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        editable=False, db_index=False,  # a partial index (Meta): most rows have none
    )
    promoted_by_label = models.CharField(max_length=200, blank=True, editable=False)

    # Derived, kept by save(): accent- and case-free names for search and duplicate matching.
    search_name = models.CharField(max_length=600, blank=True, editable=False)
    family_name_key = models.CharField(max_length=150, blank=True, editable=False)

    # History rows are read by patient and date; who created or promoted is not looked up there.
    history = HistoricalRecords(bases=[HistoryActor], excluded_fields=["password", "failed_sign_ins", "locked_until"],
                                no_db_index=["created_by", "created_by_api_key", "promoted_by"])
    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                "organization", "patient_number", name="patient_number_unique_per_org",
                condition=Q(patient_number__isnull=False),
            ),
            # A merged record keeps its own email, EMR id and username (an unmerge gives them back), and
            # its survivor may take them: uniqueness holds among the records that are not merged.
            models.UniqueConstraint(
                Lower("email"), "organization", name="patient_email_unique_per_org",
                condition=~Q(email="") & ~Q(status="merged"),
            ),
            models.UniqueConstraint(
                "organization", "emr_id", name="patient_emr_id_unique_per_org",
                condition=Q(emr_id__isnull=False) & ~Q(status="merged"),
            ),
            models.UniqueConstraint(
                "organization", "username", name="patient_username_unique_per_org",
                condition=~Q(username="") & ~Q(status="merged"),
            ),
            # An active patient has a number. A lead has none, nor does it get one when it is archived or
            # merged; an archived or merged patient keeps its own (numbers are never cleared nor reused).
            models.CheckConstraint(
                condition=~Q(status="active") | Q(patient_number__isnull=False),
                name="patient_number_required_when_active",
            ),
            # merged <=> points at a survivor, and never at itself (chains are refused under row locks
            # by patients.merging.services, which a CHECK cannot see).
            models.CheckConstraint(
                condition=(Q(status="merged") & Q(merged_into__isnull=False) & ~Q(merged_into=F("id")))
                | (~Q(status="merged") & Q(merged_into__isnull=True)),
                name="patient_merged_into_only_when_merged",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "phone"], name="patient_org_phone"),
            models.Index(fields=["organization", "family_name_key", "date_of_birth"], name="patient_org_family_dob"),
            models.Index(fields=["organization", "date_of_birth"], name="patient_org_dob"),
            models.Index(fields=["organization", "status", "-created_at"], name="patient_org_status_created"),
            # Covering (PostgreSQL): a name search walking the organization newest first reads the
            # name and status from the index alone (patients.selectors.page_reading).
            models.Index(fields=["organization", "-created_at"], include=["id", "status", "search_name"],
                         name="patient_org_created_covering"),
            models.Index(fields=["-created_at"], name="patient_created"),
            # For SET NULL when a user or key is deleted; the rows without one are not indexed.
            models.Index(fields=["created_by"], name="patient_created_by", condition=Q(created_by__isnull=False)),
            models.Index(fields=["created_by_api_key"], name="patient_created_by_key",
                         condition=Q(created_by_api_key__isnull=False)),
            models.Index(fields=["promoted_by"], name="patient_promoted_by", condition=Q(promoted_by__isnull=False)),
        ]

    def __str__(self):
        label = self.display_name or "(no name)"
        return f"{label} #{self.patient_number}" if self.patient_number else f"{label} (lead)"

    @property
    def display_name(self) -> str:
        name = " ".join(p for p in (self.given_name, self.family_name) if p)
        return name or self.full_name.strip() or self.preferred_name

    @property
    def is_lead(self) -> bool:
        return self.status == self.Status.LEAD

    @property
    def is_merged(self) -> bool:
        return self.status == self.Status.MERGED

    @property
    def is_archived(self) -> bool:
        return self.status == self.Status.ARCHIVED

    @property
    def has_password(self) -> bool:
        return bool(self.password)

    def phone_as_typed(self, *, international=False) -> str:
        """The phone (E.164, or "+1 416-555-0123" with `international`), else a lead's calling code
        and local phone as they were sent."""
        if self.phone:
            return self.phone.as_international if international else str(self.phone)
        return " ".join(p for p in (self.calling_code, self.local_phone) if p)

    def phone_for_reading(self) -> str:
        """'(416) 555-0123' in the clinic's own region, '+33 1 23 45 67 89' for another country (not
        E.164); a lead's calling code and local phone as they were sent."""
        if self.phone:
            return readable_phone(self.phone, self.organization.default_phone_region)
        return self.phone_as_typed()

    def refresh_search_fields(self):
        self.search_name = search_name(self.given_name, self.family_name, self.preferred_name, self.full_name)
        self.family_name_key = fold(self.family_name)

    def save(self, *args, **kwargs):
        self.refresh_search_fields()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = set(update_fields) | {"search_name", "family_name_key", "updated_at"}
        super().save(*args, **kwargs)


class HealthCard(InsertsCompiledOnce, OrganizationOwned):
    """A patient's provincial health card: at most one per patient."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="health_card")
    number = models.CharField(max_length=20, help_text="Digits and letters only, upper case.")
    version_code = models.CharField(max_length=2, blank=True)
    province = models.CharField(max_length=2)
    expiry_date = models.DateField(null=True, blank=True)

    history = HistoricalRecords(bases=[HistoryActor])

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "province", "number"], name="healthcard_unique_per_org_province"
            ),
        ]
        indexes = [models.Index(fields=["organization", "number"], name="healthcard_org_number")]

    def __str__(self):
        return f"{self.province} {self.masked_number}"

    @property
    def masked_number(self) -> str:
        return mask_card_number(self.number)

    def is_expired(self, today=None) -> bool:
        if self.expiry_date is None:
            return False
        return self.expiry_date < (today or timezone.localdate())


def mask_card_number(number: str) -> str:
    """All but the last four characters hidden: what lists and unrevealed staff pages show."""
    return "•" * max(len(number) - 4, 0) + number[-4:]


def health_card_of(patient):
    """The patient's health card, or None (a reverse one-to-one raises when there is none)."""
    try:
        return patient.health_card
    except HealthCard.DoesNotExist:
        return None


class Verification(InsertsCompiledOnce, OrganizationOwned):
    """Whether a patient's email address or phone number is known to reach them."""

    class ChannelName(models.TextChoices):
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Phone")

    class Status(models.TextChoices):
        UNVERIFIED = "unverified", _("Unverified")
        PENDING = "pending", _("Pending")
        VERIFIED = "verified", _("Verified")

    class Method(models.TextChoices):
        EXTERNAL = "external", _("Stated by a trusted caller")
        CODE = "code", _("One-time code")
        IN_PERSON = "in_person", _("In person")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="verifications")
    channel = models.CharField(max_length=10, choices=ChannelName.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.UNVERIFIED)
    destination = models.CharField(max_length=254, blank=True, help_text="The address or number verified.")
    method = models.CharField(max_length=12, choices=Method.choices, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_by_label = models.CharField(max_length=200, blank=True)

    code_hash = models.CharField(max_length=128, blank=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    code_attempts = models.PositiveSmallIntegerField(default=0)
    code_sent_at = models.DateTimeField(null=True, blank=True)
    codes_sent_on = models.DateField(null=True, blank=True)
    codes_sent_count = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords(bases=[HistoryActor], excluded_fields=["code_hash"])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "channel"], name="verification_unique_per_channel"),
        ]

    def __str__(self):
        return f"{self.channel}: {self.status}"


class IdempotencyRecord(OrganizationOwned):
    """The first answer to a POST sent with an `Idempotency-Key`, replayed for repeats."""

    key = models.CharField(max_length=255)
    request_fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    response_headers = models.JSONField(default=dict, blank=True)  # those a replay repeats (Location)
    # The body as first sent, key order kept (PostgreSQL's jsonb reorders keys): a replay is identical.
    response_text = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="idempotency_key_unique_per_org"),
        ]


class PatientToken(OrganizationOwned):
    """A signed-in patient's bearer token (stored hashed)."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class MessageDelivery(OrganizationOwned):
    """One outbound email or SMS, kept so that a failed delivery is retried and never lost silently."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=10, choices=Verification.ChannelName.choices)
    destination = models.CharField(max_length=254)
    purpose = models.CharField(max_length=40, default="verification_code")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)


# Models of the capabilities that live in their own subpackages (same app, same migrations).
from patients.merging.models import DuplicatePair, PatientMerge  # noqa: E402, F401
