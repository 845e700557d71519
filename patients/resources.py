"""CSV export of patients (django-import-export). The columns are the import's, so an export can be
imported again; passwords, usernames and verification codes are never exported.

Minimum necessary: by default a health card appears as `health_card_number_last4`; the full
`health_card_number` column is only there when an organization admin asks for it
(`full_card_numbers`). `exported` keeps the rows written, for the access log."""

from django.utils import timezone
from import_export import fields, resources

from patients.models import Patient, health_card_of

EXPORT_COLUMNS = (
    "patient_number", "status", "given_name", "family_name", "preferred_name", "full_name", "gender",
    "date_of_birth", "email", "phone", "province", "health_card_number", "health_card_number_last4",
    "health_card_province",
    "health_card_version_code", "health_card_expiry_date", "emr_id", "referrer", "accepts_marketing",
    "has_insurance", "providers", "groups", "organization", "created_at",
)


class PatientResource(resources.ModelResource):
    phone = fields.Field(column_name="phone")
    health_card_number = fields.Field(column_name="health_card_number")
    health_card_number_last4 = fields.Field(column_name="health_card_number_last4")
    health_card_province = fields.Field(column_name="health_card_province")
    health_card_version_code = fields.Field(column_name="health_card_version_code")
    health_card_expiry_date = fields.Field(column_name="health_card_expiry_date")
    providers = fields.Field(column_name="providers")
    groups = fields.Field(column_name="groups")
    organization = fields.Field(column_name="organization")
    created_at = fields.Field(column_name="created_at")

    class Meta:
        model = Patient
        fields = EXPORT_COLUMNS
        export_order = EXPORT_COLUMNS

    def __init__(self, full_card_numbers=False, **kwargs):
        super().__init__(**kwargs)
        self.full_card_numbers = full_card_numbers
        self.exported = []

    def get_export_fields(self, selected_fields=None):
        hidden = set() if self.full_card_numbers else {"health_card_number"}
        return [f for f in super().get_export_fields(selected_fields) if f.column_name not in hidden]

    def export_resource(self, instance, selected_fields=None, **kwargs):
        self.exported.append(instance)
        return super().export_resource(instance, selected_fields, **kwargs)

    def dehydrate_phone(self, patient):
        return str(patient.phone) if patient.phone else ""

    def dehydrate_health_card_number(self, patient):
        card = health_card_of(patient)
        return card.number if card else ""

    def dehydrate_health_card_number_last4(self, patient):
        card = health_card_of(patient)
        return card.number[-4:] if card else ""

    def dehydrate_health_card_province(self, patient):
        card = health_card_of(patient)
        return card.province if card else ""

    def dehydrate_health_card_version_code(self, patient):
        card = health_card_of(patient)
        return card.version_code if card else ""

    def dehydrate_health_card_expiry_date(self, patient):
        card = health_card_of(patient)
        return card.expiry_date.isoformat() if card and card.expiry_date else ""

    def dehydrate_providers(self, patient):
        return "; ".join(p.name for p in patient.providers.all())

    def dehydrate_groups(self, patient):
        return "; ".join(g.name for g in patient.groups.all())

    def dehydrate_organization(self, patient):
        return patient.organization.slug

    def dehydrate_created_at(self, patient):
        # In the patient's clinic's time zone, with its offset: "2026-11-30T14:00:00-05:00".
        return timezone.localtime(patient.created_at, patient.organization.zone).isoformat(timespec="seconds")

    def import_data(self, *args, **kwargs):
        # Closed on purpose: django-import-export's own import would bypass the registration rules.
        raise RuntimeError(
            "Patients are imported with patients.importing.import_patients: every registration rule, all or nothing."
        )
