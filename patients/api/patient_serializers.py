"""The "Create a Patient" contract's shapes: camelCase in and out, domain names inside.

The write serializer only renames fields (and refuses names the contract does not have): every
rule lives in patients/services.py and patients/validation.py. Its declared fields are the
contract as the OpenAPI schema shows it.
"""

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from phonenumber_field.phonenumber import PhoneNumber
from rest_framework import serializers

from patients.api.errors import NON_FIELD
from patients.api.schema import E164_OR_EMPTY, EMAIL_OR_EMPTY, PROVINCE_OR_EMPTY
from patients.api.strict import JsonTyped, json_type_errors
from patients.cleaning import TEXT_FIELDS
from patients.health_cards import PROVINCES
from patients.models import Patient, Verification
from patients.validation import MAX_STORED_INT
from patients.verification import status_by_channel

CONTRACT_TO_DOMAIN = {
    "email": "email",
    "password": "password",
    "firstName": "given_name",
    "lastName": "family_name",
    "gender": "gender",
    "phone": "phone",
    "username": "username",
    "roles": "roles",
    "dateOfBirth": "date_of_birth",
    "meta": "meta",
    "unreadNotifications": "unread_notifications",
    "emrId": "emr_id",
    "referrer": "referrer",
    "hcCard": "health_card",
    "acceptsMarketing": "accepts_marketing",
    "hasInsurance": "has_insurance",
    "providers": "providers",
    "groups": "groups",
    "verifications": "verifications",
    "province": "province",
    "preferredLanguage": "preferred_language",  # an addition to the contract: optional
}
HEALTH_CARD_TO_DOMAIN = {"number": "number", "versionCode": "version_code", "province": "province",
                         "expiryDate": "expiry_date"}
# Output-only fields: ignored when sent back (so a GET answer can be PATCHed as it is).
READ_ONLY_FIELDS = {"id", "status", "mergedInto", "patientNo", "createdAt", "updatedAt", "warnings"}
READ_ONLY_HEALTH_CARD_FIELDS = {"expired"}

# Error keys: domain name -> contract name.
DOMAIN_TO_CONTRACT = {domain: contract for contract, domain in CONTRACT_TO_DOMAIN.items()}
DOMAIN_TO_CONTRACT.update({f"health_card.{d}": f"hcCard.{c}" for c, d in HEALTH_CARD_TO_DOMAIN.items()})
DOMAIN_TO_CONTRACT.update({"local_phone": "phone", "calling_code": "phone", "full_name": "firstName"})

GENDERS = [g.value for g in Patient.Gender]
LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


@extend_schema_field({
    "oneOf": [
        {"type": "string", "enum": GENDERS},
        {"type": "object", "properties": {"value": {"type": "string", "enum": GENDERS}}, "required": ["value"]},
    ],
    "description": "The patient's gender: a string or an object {\"value\": ...}. "
                   "Also accepted: M, F, O, U and any letter case.",
    "example": "female",
})
class GenderField(JsonTyped, serializers.Field):
    json_types = (str, dict)
    type_message = gettext_lazy('Send the gender as text, or an object {"value": ...}.')


@extend_schema_field({
    "oneOf": [{"type": "string", "enum": list(Verification.Status.values)}, {"type": "boolean"}],
    "description": "A status; true and false are read as verified and unverified.",
})
class VerificationStatusField(JsonTyped, serializers.Field):
    json_types = (str, bool)
    type_message = gettext_lazy("Send a status (text), or true or false.")


@extend_schema_field(EMAIL_OR_EMPTY)
class EmailOrEmptyField(serializers.CharField):
    pass


@extend_schema_field(E164_OR_EMPTY)
class E164OrEmptyField(serializers.CharField):
    pass


@extend_schema_field(PROVINCE_OR_EMPTY)
class ProvinceOrEmptyField(serializers.CharField):
    pass


@extend_schema_field({"type": "string", "maxLength": 2, "pattern": "^[A-Za-z]{0,2}$",
                      "description": "0 to 2 letters (Ontario)."})
class VersionCodeField(serializers.CharField):
    pass


class HealthCardWriteSerializer(serializers.Serializer):
    number = serializers.CharField(help_text="As printed; spaces and dashes are ignored.")
    versionCode = VersionCodeField(required=False, allow_blank=True)
    province = serializers.ChoiceField(choices=sorted(PROVINCES), help_text="Issuing province or territory.")
    expiryDate = serializers.DateField(required=False, allow_null=True,
                                       help_text="YYYY-MM-DD. An expired card is accepted (and flagged).")


class VerificationsSerializer(serializers.Serializer):
    email = VerificationStatusField(required=False)
    phone = VerificationStatusField(required=False)


class PatientWriteSerializer(serializers.Serializer):
    """A patient as an external system sends it (POST: the required fields; PATCH: any subset)."""

    email = EmailOrEmptyField(allow_blank=True, help_text="Unique within the organization (case-insensitive); "
                                                          "\"\" only for a lead.")
    password = serializers.CharField(
        required=False, write_only=True, style={"input_type": "password"},
        help_text="Creates the patient's login. At least 10 characters with a letter, a digit and a symbol; "
                  "not common, not all digits, not like the email or name. Never echoed.",
    )
    firstName = serializers.CharField(max_length=TEXT_FIELDS["given_name"], allow_blank=True,
                                      help_text="Required (not empty) for a full patient.")
    lastName = serializers.CharField(max_length=TEXT_FIELDS["family_name"], allow_blank=True,
                                     help_text="Required (not empty) for a full patient.")
    gender = GenderField()
    phone = serializers.CharField(
        allow_blank=True, max_length=250,
        help_text="Digits (spaces, dashes and brackets allowed; no letters). Read in the organization's region "
                  "unless it starts with +; stored and answered as E.164. Empty only for a lead."
    )
    username = serializers.CharField(
        required=False, allow_blank=True,
        help_text="Always email#organization-slug; generated when left out, an error if different.",
    )
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Patient.ROLES), required=False,
                                  help_text='Defaults to ["patient"].')
    dateOfBirth = serializers.DateField(allow_null=True, help_text="YYYY-MM-DD, not in the future, not before "
                                                                   "1900-01-01. null (unknown) only for a lead.")
    meta = serializers.DictField(required=False, help_text="Any JSON object, stored as sent.")
    unreadNotifications = serializers.IntegerField(required=False, min_value=0, max_value=MAX_STORED_INT,
                                                   help_text="Defaults to 0.")
    emrId = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=2**63 - 1,
                                     help_text="The patient's id in the EMR; unique within the organization.")
    referrer = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_FIELDS["referrer"])
    hcCard = HealthCardWriteSerializer(required=False, allow_null=True,
                                       help_text="Checked by the province's rules; unique per organization.")
    acceptsMarketing = serializers.BooleanField(required=False, help_text="Defaults to false.")
    hasInsurance = serializers.BooleanField(required=False, help_text="Defaults to false.")
    providers = serializers.ListField(child=serializers.UUIDField(), required=False,
                                      help_text="Ids of the organization's providers.")
    groups = serializers.ListField(child=serializers.UUIDField(), required=False,
                                   help_text="Ids of the organization's patient groups.")
    verifications = VerificationsSerializer(
        required=False,
        help_text="Trusted callers (API keys, staff) may state a channel as verified; it is recorded as "
                  "verified externally, by that caller. Self-registration cannot set this.",
    )
    province = ProvinceOrEmptyField(required=False, allow_blank=True,
                                     help_text="Two-letter Canadian province/territory or US state code.")
    preferredLanguage = serializers.ChoiceField(
        choices=LANGUAGE_CODES, required=False, allow_blank=True, allow_null=True,
        help_text="Optional (an addition to the contract): the language of the emails and text messages the "
                  "patient receives, `en` or `fr` (`fr-CA` is read as `fr`). Empty or null: the clinic's language.",
    )

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({NON_FIELD: [_("Send the patient as a JSON object.")]})
        values, errors = {}, json_type_errors(self.fields, data)
        for name, value in data.items():
            if name in READ_ONLY_FIELDS:
                continue
            domain = CONTRACT_TO_DOMAIN.get(name)
            if domain is None:
                errors[name] = [_("Unknown field (field names are case-sensitive, e.g. firstName).")]
                continue
            if domain == "health_card" and isinstance(value, dict):
                value, card_errors = _health_card_to_domain(value)
                errors.update(card_errors)
            values[domain] = value
        if errors:
            raise serializers.ValidationError(errors)
        return values


def _health_card_to_domain(card: dict):
    values, errors = {}, {}
    for name, value in card.items():
        if name in READ_ONLY_HEALTH_CARD_FIELDS:
            continue
        domain = HEALTH_CARD_TO_DOMAIN.get(name)
        if domain is None:
            errors[f"hcCard.{name}"] = [_("Unknown field (use number, versionCode, province, expiryDate).")]
        else:
            values[domain] = value
    return values, errors


class HealthCardSerializer(serializers.Serializer):
    number = serializers.CharField()
    versionCode = serializers.CharField(source="version_code")
    province = serializers.CharField()
    expiryDate = serializers.DateField(source="expiry_date", allow_null=True)
    expired = serializers.BooleanField(source="is_expired", help_text="The expiry date has passed.")


class HealthCardLast4Serializer(serializers.Serializer):
    """A health card in a list: never the full number (minimum necessary), only its last four characters."""

    numberLast4 = serializers.CharField(help_text="The number's last four characters; the full number is only in "
                                                  "one patient's answer (GET /api/v1/patients/{id}).")
    versionCode = serializers.CharField(source="version_code")
    province = serializers.CharField()
    expiryDate = serializers.DateField(source="expiry_date", allow_null=True)
    expired = serializers.BooleanField(source="is_expired", help_text="The expiry date has passed.")


class VerificationStatusesSerializer(serializers.Serializer):
    email = serializers.ChoiceField(choices=Verification.Status.choices)
    phone = serializers.ChoiceField(choices=Verification.Status.choices)


class PatientSerializer(serializers.Serializer):
    """A stored patient as the contract answers it (never the password)."""

    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=Patient.Status.choices)
    mergedInto = serializers.UUIDField(
        source="merged_into_id", allow_null=True,
        help_text="For a merged record (`status: merged`): the `id` of the record it was merged into.")
    patientNo = serializers.IntegerField(source="patient_number", allow_null=True,
                                         help_text="The organization's patient number (none for a lead).")
    email = EmailOrEmptyField()
    username = serializers.CharField(help_text='email#organization-slug; "" without an email.')
    firstName = serializers.CharField(source="given_name")
    lastName = serializers.CharField(source="family_name")
    gender = serializers.ChoiceField(choices=GENDERS)
    phone = E164OrEmptyField()
    dateOfBirth = serializers.DateField(source="date_of_birth", allow_null=True)
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Patient.ROLES))
    meta = serializers.DictField()
    unreadNotifications = serializers.IntegerField(source="unread_notifications")
    emrId = serializers.IntegerField(source="emr_id", allow_null=True)
    referrer = serializers.CharField()
    hcCard = HealthCardSerializer(source="health_card", allow_null=True)
    acceptsMarketing = serializers.BooleanField(source="accepts_marketing")
    hasInsurance = serializers.BooleanField(source="has_insurance")
    providers = serializers.SerializerMethodField()
    groups = serializers.SerializerMethodField()
    verifications = serializers.SerializerMethodField()
    province = ProvinceOrEmptyField()
    preferredLanguage = serializers.ChoiceField(choices=LANGUAGE_CODES, allow_null=True)
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")
    warnings = serializers.SerializerMethodField()

    def to_representation(self, patient):
        """The same answer DRF's field-by-field rendering gives (a test compares the two), built
        directly: a page of 25 patients is rendered several times faster."""
        card = _health_card_or_none(patient)
        return {
            "id": str(patient.id),
            "status": patient.status,
            "mergedInto": str(patient.merged_into_id) if patient.merged_into_id else None,
            "patientNo": patient.patient_number,
            "email": patient.email,
            "username": patient.username,
            "firstName": patient.given_name,
            "lastName": patient.family_name,
            "gender": patient.gender,
            "phone": _phone(patient.phone),
            "dateOfBirth": _date(patient.date_of_birth),
            "roles": [str(role) for role in patient.roles],
            "meta": patient.meta,
            "unreadNotifications": patient.unread_notifications,
            "emrId": patient.emr_id,
            "referrer": patient.referrer,
            "hcCard": None if card is None else self.represent_card(card),
            "acceptsMarketing": patient.accepts_marketing,
            "hasInsurance": patient.has_insurance,
            "providers": self.get_providers(patient),
            "groups": self.get_groups(patient),
            "verifications": self.get_verifications(patient),
            "province": patient.province,
            "preferredLanguage": patient.preferred_language or None,
            "createdAt": _datetime(patient.created_at),
            "updatedAt": _datetime(patient.updated_at),
            "warnings": self.get_warnings(patient),
        }

    def represent_card(self, card) -> dict:
        return {
            "number": card.number,
            "versionCode": card.version_code,
            "province": card.province,
            "expiryDate": _date(card.expiry_date),
            "expired": card.is_expired(),
        }

    @extend_schema_field(serializers.ListField(child=serializers.UUIDField()))
    def get_providers(self, patient):
        summary = getattr(patient, "link_summary", None)  # a search page's links, read in one statement
        return summary.provider_ids if summary is not None else [str(p.pk) for p in patient.providers.all()]

    @extend_schema_field(serializers.ListField(child=serializers.UUIDField()))
    def get_groups(self, patient):
        summary = getattr(patient, "link_summary", None)
        return summary.group_ids if summary is not None else [str(g.pk) for g in patient.groups.all()]

    @extend_schema_field(VerificationStatusesSerializer)
    def get_verifications(self, patient):
        return status_by_channel(patient)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_warnings(self, patient):
        """Things staff should check, e.g. a Quebec health card that does not match the name (POST/PATCH only)."""
        return list(getattr(patient, "health_card_warnings", []))


class PatientListItemSerializer(PatientSerializer):
    """A patient in search results: the same fields, but the health card without its full number."""

    hcCard = HealthCardLast4Serializer(source="health_card", allow_null=True)

    def represent_card(self, card) -> dict:
        return {
            "numberLast4": card.number[-4:],
            "versionCode": card.version_code,
            "province": card.province,
            "expiryDate": _date(card.expiry_date),
            "expired": card.is_expired(),
        }


def _health_card_or_none(patient):
    try:
        return patient.health_card
    except ObjectDoesNotExist:
        return None


def _phone(value) -> str:
    # Only valid numbers are stored, in E.164: print them as stored rather than validating each
    # row again (str() of a PhoneNumber re-validates it, the costliest part of a page).
    if not isinstance(value, PhoneNumber):
        return str(value or "")
    raw = value.raw_input or ""
    return raw if raw.startswith("+") else str(value)


def _date(value):
    return None if value is None else value.isoformat()


def _datetime(value):
    # As DRF's DateTimeField renders it: in the current time zone, UTC written as Z.
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
