"""The checks every way in applies to a patient's fields before anything is written.

`clean_registration` is what `register_patient` checks; `PatientCleaner` collects every field
error of one request so the caller sees them all at once. Field names are the domain's
(`date_of_birth`, `health_card.number`); adapters rename them to their contract's names.
"""

import uuid

from django.contrib.auth.hashers import make_password
from django.db import router
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from organizations.compiled_queries import CompiledLookup
from organizations.models import PHONE_REGIONS, LeadContact, PatientGroup, Provider
from patients import validation as v
from patients.actors import Actor
from patients.errors import PatientRuleError
from patients.health_cards import check_health_card
from patients.models import Patient, health_card_of
from patients.names import split_full_name

TEXT_FIELDS = {"given_name": 150, "family_name": 150, "preferred_name": 150, "full_name": 300, "referrer": 200}
AS_SENT = ("full_name", "preferred_name")  # the Register Patient contract echoes these unchanged
PHONE_PART_LIMITS = {"calling_code": 8, "local_phone": 32}
REQUIRED = gettext_lazy("This field is required.")
REQUIRED_BY_CLINIC = gettext_lazy("Required by this clinic.")
LEAD_CONTACT_MESSAGES = {
    LeadContact.PHONE_OR_EMAIL: gettext_lazy("Required by this clinic: a phone or an email."),
}
TRUSTED_ONLY = ("verifications", "providers", "groups", "emr_id", "unread_notifications")
UNREAD_NOTIFICATIONS = gettext_lazy("unread notifications")
LINK_MESSAGES = {
    "providers": (gettext_lazy("Send a list of provider ids."), gettext_lazy("Unknown provider id: %(id)s.")),
    "groups": (gettext_lazy("Send a list of group ids."), gettext_lazy("Unknown group id: %(id)s.")),
}


class PatientCleaner:
    """Collects every field error of one request, so the caller sees them all at once."""

    def __init__(self, organization, data, *, actor, patient=None):
        self.organization = organization
        self.data = data
        self.actor = actor
        self.patient = patient
        self.errors: dict[str, list[str]] = {}
        self.values: dict = {}

    def error(self, field, message):
        self.errors.setdefault(field, []).append(message)

    def take(self, field, rule, *args, **kwargs):
        if field not in self.data:
            return
        try:
            self.values[field] = rule(self.data[field], *args, **kwargs)
        except v.FieldError as exc:
            self.error(field, exc.message)

    def current(self, field, default=None):
        if field in self.values:
            return self.values[field]
        if self.patient is not None:
            return getattr(self.patient, field)
        return default

    def clean(self, *, allow_unknown_birth_date=False, unchecked_phone_parts=False):
        data = self.data
        self._refuse_unstorable_text()
        self._clean_texts()
        self.take("gender", v.clean_gender)
        self.take("date_of_birth", v.clean_date_of_birth, allow_unknown=allow_unknown_birth_date)
        self.take("email", v.clean_email)
        self.take("province", v.clean_province)
        self.take("preferred_language", v.clean_language)
        self.take("roles", v.clean_roles)
        self.take("unread_notifications", v.clean_non_negative_int, UNREAD_NOTIFICATIONS)
        self.take("verifications", v.clean_verification_statuses)
        self._clean_flags()
        if "meta" in data:
            if data["meta"] is None:
                self.values["meta"] = {}
            elif not isinstance(data["meta"], dict):
                self.error("meta", _("Send an object."))
            else:
                self.values["meta"] = data["meta"]
        if "emr_id" in data:
            self._clean_emr_id(data["emr_id"])
        self._clean_phone(unchecked=unchecked_phone_parts)
        self._clean_names()
        self._clean_account()
        self._clean_links()
        self._clean_health_card()
        self._check_trust()

    def _clean_texts(self):
        data = self.data
        for field, limit in TEXT_FIELDS.items():
            if field in data:
                text = "" if data[field] is None else str(data[field])
                if len(text) > limit:
                    self.error(field, _("Use at most %(limit)s characters.") % {"limit": limit})
                self.values[field] = text if field in AS_SENT else text.strip()

    def _clean_flags(self):
        for flag in ("accepts_marketing", "has_insurance"):
            if flag in self.data:
                if not isinstance(self.data[flag], bool):
                    self.error(flag, _("Send true or false."))
                else:
                    self.values[flag] = self.data[flag]

    def _refuse_unstorable_text(self):
        # PostgreSQL cannot store NUL or lone surrogates in text or JSON: refuse them here, on every
        # door, rather than fail on save.
        for field, value in self.data.items():
            if field == "health_card" and isinstance(value, dict):
                for sub, sub_value in value.items():
                    if v.has_unstorable_text(sub) or v.has_unstorable_text(sub_value):
                        self.error(f"health_card.{v.printable_key(sub)}", str(v.UNSTORABLE_TEXT_MESSAGE))
            elif v.has_unstorable_text(value):
                self.error(field, str(v.UNSTORABLE_TEXT_MESSAGE))

    def _clean_emr_id(self, value):
        if value in (None, ""):
            self.values["emr_id"] = None
            return
        if isinstance(value, bool):
            self.error("emr_id", _("Send the EMR id as a number."))
            return
        try:
            number = int(value) if not isinstance(value, float) or value.is_integer() else None
        except (TypeError, ValueError):
            number = None
        if number is None or number < 0 or number >= 2**63:
            self.error("emr_id", _("Send the EMR id as a whole, positive number."))
            return
        self.values["emr_id"] = number

    def _clean_phone(self, *, unchecked=False):
        """`unchecked`: a lead's calling code and local phone are kept as sent even when they do not
        make a valid number yet (the E.164 phone stays empty); promotion checks them."""
        region = self.organization.default_phone_region
        # The intake form lets the clerk read a number typed without a country code in another region.
        if self.data.get("phone_region"):
            region = str(self.data["phone_region"]).upper()
            if region not in PHONE_REGIONS:
                self.error("phone", _("Choose the country the phone number belongs to."))
                return
        if "phone" in self.data:
            self.take("phone", v.clean_phone, region)
        elif "calling_code" in self.data or "local_phone" in self.data:
            code = str(self.data.get("calling_code") or "").strip()
            local = str(self.data.get("local_phone") or "").strip()
            self.values["calling_code"], self.values["local_phone"] = code, local
            self.values["phone"] = ""
            too_long = False
            for field, text in (("calling_code", code), ("local_phone", local)):
                if len(text) > PHONE_PART_LIMITS[field]:
                    self.error(field, _("Use at most %(limit)s characters.") % {"limit": PHONE_PART_LIMITS[field]})
                    too_long = True
            problem = v.calling_code_problem(code)
            if too_long or (problem and unchecked):
                return
            if problem:
                self.error("calling_code", problem)
                return
            try:
                self.values["phone"] = v.phone_from_parts(code, local, region)
            except v.FieldError as exc:
                if not unchecked:
                    self.error("local_phone", exc.message)

    def _clean_names(self):
        full = self.values.get("full_name")
        if full is not None and "given_name" not in self.data and "family_name" not in self.data:
            self.values["given_name"], self.values["family_name"] = split_full_name(full)
        elif ("given_name" in self.values or "family_name" in self.values) and "full_name" not in self.data:
            given, family = self.current("given_name", ""), self.current("family_name", "")
            self.values["full_name"] = " ".join(p for p in (given, family) if p)

    def _clean_account(self):
        email = self.current("email", "")
        expected = f"{email.lower()}#{self.organization.slug}" if email else ""
        supplied = self.data.get("username")
        if supplied not in (None, "") and str(supplied).strip().lower() != expected:
            self.error(
                "username",
                _("The username is made from the email and organization: %(username)s.")
                % {"username": expected or "email#organization"},
            )
        if "email" in self.values or self.patient is None:
            self.values["username"] = expected
        if self.data.get("password"):
            try:
                v.clean_password(
                    self.data["password"], email=email,
                    given_name=self.current("given_name", ""), family_name=self.current("family_name", ""),
                )
                if not email:
                    self.error("password", _("A patient account needs an email address."))
                self.values["password"] = make_password(self.data["password"])
            except v.FieldError as exc:
                self.error("password", exc.message)

    def _clean_links(self):
        for field, model in (("providers", Provider), ("groups", PatientGroup)):
            if field not in self.data:
                continue
            ids = self.data[field] or []
            if not isinstance(ids, list | tuple) or not all(isinstance(i, str | int | uuid.UUID) for i in ids):
                self.error(field, str(LINK_MESSAGES[field][0]))
                continue
            wanted = [str(i) for i in dict.fromkeys(ids)]
            found = {}
            valid_ids = [i for i in wanted if _is_uuid(i)]
            if len(valid_ids) == 1 and self.organization is not None:  # the usual: one, looked up compiled
                row = _ONE_LINK[model].first(using=router.db_for_read(model), organization=self.organization.pk,
                                             pk=uuid.UUID(valid_ids[0]))
                found = {str(row.pk): row} if row is not None else {}
            elif valid_ids:
                rows = model.objects.for_organization(self.organization).filter(pk__in=valid_ids)
                found = {str(o.pk): o for o in rows}
            unknown = [i for i in wanted if i not in found]
            for i in unknown:
                self.error(field, str(LINK_MESSAGES[field][1]) % {"id": i})
            self.values[field] = list(found.values())

    def _clean_health_card(self):
        if "health_card" not in self.data:
            return
        card = self.data["health_card"]
        if card in (None, {}):
            self.values["health_card"] = None
            return
        if not isinstance(card, dict):
            self.error("health_card", _("Send the health card as an object."))
            return
        try:
            self.values["health_card"] = check_health_card(
                str(card.get("number") or ""), str(card.get("province") or ""),
                str(card.get("version_code") or ""), card.get("expiry_date"),
                given_name=self.current("given_name", ""), family_name=self.current("family_name", ""),
                date_of_birth=self.current("date_of_birth"), gender=self.current("gender", ""),
            )
        except PatientRuleError as exc:
            for sub, messages in exc.errors.items():
                for message in messages:
                    self.error(f"health_card.{sub}", message)

    def _check_trust(self):
        if self.actor.is_trusted:
            return
        for field in TRUSTED_ONLY:
            if self.data.get(field) not in (None, [], {}, 0):
                self.error(field, _("Only the clinic's staff or systems may set this field."))
        roles = self.values.get("roles")
        if roles and roles != ["patient"]:
            self.error("roles", _("A self-registering patient can only have the role 'patient'."))

    def raise_if_errors(self):
        if self.errors:
            raise PatientRuleError(self.errors)


# One provider or group of the organization, by id: the same scoped queryset, compiled once (the
# ORM's compiling cost more than the lookup itself on every registration).
_ONE_LINK = {
    model: CompiledLookup(
        lambda organization, pk, model=model: model.objects.for_organization(organization).filter(pk=pk),
        organization=uuid.UUID(int=1), pk=uuid.UUID(int=2),
    )
    for model in (Provider, PatientGroup)
}


def _is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


# The fields missing_for_full_patient reads (and, where the clinic requires one, the health card).
FULL_PATIENT_FIELDS = (
    "given_name", "family_name", "date_of_birth", "phone", "gender", "email", "province", "preferred_language",
)


def missing_for_full_patient(organization, values) -> list[str]:
    """What an active patient must have, given its field values (a dict or a Patient): the base
    (names, date of birth, gender, phone) and what the organization's registration policy adds."""
    get = values.get if isinstance(values, dict) else (lambda f, d=None: getattr(values, f, d))
    missing = [f for f in ("given_name", "family_name", "date_of_birth", "phone") if not get(f)]
    if get("gender") in (None, "", Patient.Gender.UNKNOWN):
        missing.insert(3, "gender")
    missing += [f for f in organization.required_fields if not get(f)]
    return missing


def missing_for_lead(organization, values: dict) -> list[str]:
    """How a lead falls short of the organization's rule on reaching it (a phone, an email, either)."""
    has_phone = bool(values.get("phone") or values.get("local_phone"))
    has_email = bool(values.get("email"))
    rule = organization.lead_requires
    if rule == LeadContact.PHONE and not has_phone:
        return ["phone"]
    if rule == LeadContact.EMAIL and not has_email:
        return ["email"]
    if rule == LeadContact.PHONE_OR_EMAIL and not (has_phone or has_email):
        return ["phone", "email"]
    return []


def required_message(organization, field: str) -> str:
    """The error for a missing required field: the clinic's own requirements say so."""
    if field in organization.required_fields:
        return str(REQUIRED_BY_CLINIC)
    return str(REQUIRED)


def values_after(cleaner: PatientCleaner) -> dict:
    """The fields missing_for_full_patient reads, as the patient will have them after this change.
    The stored health card is read only where the clinic requires one."""
    merged = {f: cleaner.current(f) for f in FULL_PATIENT_FIELDS}
    if "health_card" in cleaner.values:
        merged["health_card"] = cleaner.values["health_card"]
    elif cleaner.patient is not None and cleaner.organization.requires("health_card"):
        merged["health_card"] = health_card_of(cleaner.patient)
    return merged


MODEL_FIELDS = {
    "given_name", "family_name", "preferred_name", "full_name", "gender", "date_of_birth", "email", "phone",
    "calling_code", "local_phone", "province", "preferred_language", "username", "password", "roles", "emr_id",
    "referrer", "meta", "unread_notifications", "accepts_marketing", "has_insurance",
}


def clean_registration(
    organization, data: dict, *, actor: Actor, as_lead: bool = False, with_account: bool = False,
    also_required: tuple[str, ...] = (),
) -> dict:
    """Every check `register_patient` makes before writing, without writing: the cleaned values
    (domain names), or PatientRuleError listing every field error. The CSV import checks each row
    with this, then writes in bulk."""
    cleaner = PatientCleaner(organization, data, actor=actor)
    cleaner.clean(allow_unknown_birth_date=as_lead, unchecked_phone_parts=as_lead)
    values = cleaner.values
    phone_parts_wrong = "local_phone" in cleaner.errors or "calling_code" in cleaner.errors
    if as_lead:
        if values.get("gender") in (None, Patient.Gender.UNKNOWN) and "gender" not in cleaner.errors:
            cleaner.error("gender", _("Gender is required."))
        missing = missing_for_lead(organization, values)
        message = str(LEAD_CONTACT_MESSAGES.get(organization.lead_requires, REQUIRED_BY_CLINIC))
        for field in missing:
            if field == "phone" and ("local_phone" in data or "calling_code" in data):
                field = "local_phone"  # the Register Patient contract's phone box
            if field not in cleaner.errors:
                cleaner.error(field, message)
    else:
        for field in missing_for_full_patient(organization, values):
            if field not in cleaner.errors and not (field == "phone" and phone_parts_wrong):
                cleaner.error(field, required_message(organization, field))
    for field in also_required:
        if not str(values.get(field) or "").strip() and field not in cleaner.errors:
            cleaner.error(field, str(REQUIRED))
    if with_account and not values.get("email") and "email" not in cleaner.errors:
        cleaner.error("email", str(REQUIRED))
    cleaner.raise_if_errors()
    return values
