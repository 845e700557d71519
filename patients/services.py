"""Writes on patients: registration, updates and lead promotion.

The REST contracts, the intake form, the admin and the CSV import all call these; they only
translate shapes. Every function runs in one transaction: on any error nothing is written.
Field names in errors are the domain's (`date_of_birth`, `health_card.number`); each adapter
renames them to its own contract's names.
"""

import uuid

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import timezone

from organizations.models import PHONE_REGIONS, PatientGroup, Provider
from patients import validation as v
from patients.actors import Actor
from patients.duplicates import find_possible_duplicates
from patients.errors import (
    LeadIncompleteError,
    NotALeadError,
    PatientConflictError,
    PatientRuleError,
    PossibleDuplicatesError,
)
from patients.health_cards import check_health_card
from patients.models import HealthCard, Patient, Verification
from patients.names import split_full_name

TEXT_FIELDS = {"given_name": 150, "family_name": 150, "preferred_name": 150, "full_name": 300, "referrer": 200}
AS_SENT = ("full_name", "preferred_name")  # the Register Patient contract echoes these unchanged
PHONE_PART_LIMITS = {"calling_code": 8, "local_phone": 32}
TRUSTED_ONLY = ("verifications", "providers", "groups", "emr_id", "unread_notifications")
# Which unique constraint (by name, or by its columns as SQLite reports them) means which field.
CONFLICTS = {
    "patient_email_unique_per_org": ("email", "A patient with this email is already registered."),
    "patient_username_unique_per_org": ("email", "A patient with this email is already registered."),
    "patient_emr_id_unique_per_org": ("emr_id", "A patient with this EMR id is already registered."),
    "patients_patient.organization_id, patients_patient.username": (
        "email", "A patient with this email is already registered."),
    "patients_patient.organization_id, patients_patient.emr_id": (
        "emr_id", "A patient with this EMR id is already registered."),
    "healthcard_unique_per_org_province": (
        "health_card.number", "A patient with this health card is already registered."),
    "patients_healthcard.organization_id, patients_healthcard.province, patients_healthcard.number": (
        "health_card.number", "A patient with this health card is already registered."),
}


def _conflict_from(exc: IntegrityError) -> PatientConflictError:
    text = str(exc)
    for marker, (field, message) in CONFLICTS.items():
        if marker in text:
            return PatientConflictError({field: [message]})
    raise exc


class _Cleaner:
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
        self._refuse_nul_characters()
        for field, limit in TEXT_FIELDS.items():
            if field in data:
                text = "" if data[field] is None else str(data[field])
                if len(text) > limit:
                    self.error(field, f"Use at most {limit} characters.")
                self.values[field] = text if field in AS_SENT else text.strip()
        self.take("gender", v.clean_gender)
        self.take("date_of_birth", v.clean_date_of_birth, allow_unknown=allow_unknown_birth_date)
        self.take("email", v.clean_email)
        self.take("province", v.clean_province)
        self.take("roles", v.clean_roles)
        self.take("unread_notifications", v.clean_non_negative_int, "unread notifications")
        self.take("verifications", v.clean_verification_statuses)
        for flag in ("accepts_marketing", "has_insurance"):
            if flag in data:
                if not isinstance(data[flag], bool):
                    self.error(flag, "Send true or false.")
                else:
                    self.values[flag] = data[flag]
        if "meta" in data:
            if data["meta"] is None:
                self.values["meta"] = {}
            elif not isinstance(data["meta"], dict):
                self.error("meta", "Send an object.")
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

    def _refuse_nul_characters(self):
        # PostgreSQL cannot store NUL in text or JSON: refuse it here rather than fail on save.
        for field, value in self.data.items():
            if field == "health_card" and isinstance(value, dict):
                for sub, sub_value in value.items():
                    if _has_nul(sub) or _has_nul(sub_value):
                        self.error(f"health_card.{sub}", "Remove the invalid (NUL) character.")
            elif _has_nul(value):
                self.error(field, "Remove the invalid (NUL) character.")

    def _clean_emr_id(self, value):
        if value in (None, ""):
            self.values["emr_id"] = None
            return
        if isinstance(value, bool):
            self.error("emr_id", "Send the EMR id as a number.")
            return
        try:
            number = int(value) if not isinstance(value, float) or value.is_integer() else None
        except (TypeError, ValueError):
            number = None
        if number is None or number < 0 or number >= 2**63:
            self.error("emr_id", "Send the EMR id as a whole, positive number.")
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
                self.error("phone", "Choose the country the phone number belongs to.")
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
                    self.error(field, f"Use at most {PHONE_PART_LIMITS[field]} characters.")
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
                "username", f"The username is made from the email and organization: {expected or 'email#organization'}."
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
                    self.error("password", "A patient account needs an email address.")
                self.values["password"] = make_password(self.data["password"])
            except v.FieldError as exc:
                self.error("password", exc.message)

    def _clean_links(self):
        for field, model, noun in (("providers", Provider, "provider"), ("groups", PatientGroup, "group")):
            if field not in self.data:
                continue
            ids = self.data[field] or []
            if not isinstance(ids, list | tuple) or not all(isinstance(i, str | int | uuid.UUID) for i in ids):
                self.error(field, f"Send a list of {noun} ids.")
                continue
            wanted = [str(i) for i in dict.fromkeys(ids)]
            found = {}
            valid_ids = [i for i in wanted if _is_uuid(i)]
            if valid_ids:
                rows = model.objects.for_organization(self.organization).filter(pk__in=valid_ids)
                found = {str(o.pk): o for o in rows}
            unknown = [i for i in wanted if i not in found]
            for i in unknown:
                self.error(field, f"Unknown {noun} id: {i}.")
            self.values[field] = list(found.values())

    def _clean_health_card(self):
        if "health_card" not in self.data:
            return
        card = self.data["health_card"]
        if card in (None, {}):
            self.values["health_card"] = None
            return
        if not isinstance(card, dict):
            self.error("health_card", "Send the health card as an object.")
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
                self.error(field, "Only the clinic's staff or systems may set this field.")
        roles = self.values.get("roles")
        if roles and roles != ["patient"]:
            self.error("roles", "A self-registering patient can only have the role 'patient'.")

    def raise_if_errors(self):
        if self.errors:
            raise PatientRuleError(self.errors)


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(item) for item in value)
    return False


def _is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def missing_for_full_patient(organization, values) -> list[str]:
    """What an active patient must have, given its field values (a dict or a Patient)."""
    get = values.get if isinstance(values, dict) else (lambda f, d=None: getattr(values, f, d))
    missing = [f for f in ("given_name", "family_name", "date_of_birth", "phone") if not get(f)]
    if get("gender") in (None, "", Patient.Gender.UNKNOWN):
        missing.insert(3, "gender")
    if organization.requires_email and not get("email"):
        missing.append("email")
    return missing


def _save(instance, actor: Actor, reason: str = "", **kwargs):
    instance._history_actor = actor
    if reason:
        instance._change_reason = reason
    instance.save(**kwargs)


def _apply_verifications(patient, statuses, actor, *, reset_channels=()):
    now = timezone.now()
    for channel in reset_channels:
        for ver in Verification.objects.for_organization(patient.organization).filter(
            patient=patient, channel=channel
        ).exclude(status=Verification.Status.UNVERIFIED, code_hash=""):
            ver.status, ver.method, ver.verified_at, ver.verified_by, ver.verified_by_label = (
                Verification.Status.UNVERIFIED, "", None, None, "")
            ver.code_hash, ver.code_expires_at, ver.code_attempts = "", None, 0
            ver.destination = str(getattr(patient, channel) or "")
            _save(ver, actor, f"{channel} changed")
    for channel, status in statuses.items():
        ver, _ = Verification.objects.get_or_create(
            organization=patient.organization, patient=patient, channel=channel,
            defaults={"destination": str(getattr(patient, channel) or "")},
        )
        ver.status = status
        ver.destination = str(getattr(patient, channel) or "")
        if status == Verification.Status.VERIFIED:
            ver.method, ver.verified_at = Verification.Method.EXTERNAL, now
            ver.verified_by = actor.user
            ver.verified_by_label = actor.label
        else:
            ver.method, ver.verified_at, ver.verified_by, ver.verified_by_label = "", None, None, ""
        _save(ver, actor, "stated by caller")


def _write_health_card(patient, checked, actor):
    existing = HealthCard.objects.filter(patient=patient).first() if patient.pk else None
    if checked is None:
        if existing is not None:
            existing._history_actor = actor
            existing.delete()
        return
    card = existing or HealthCard(organization=patient.organization, patient=patient)
    card.number, card.version_code = checked.number, checked.version_code
    card.province, card.expiry_date = checked.province, checked.expiry_date
    _save(card, actor)


MODEL_FIELDS = {
    "given_name", "family_name", "preferred_name", "full_name", "gender", "date_of_birth", "email", "phone",
    "calling_code", "local_phone", "province", "username", "password", "roles", "emr_id", "referrer", "meta",
    "unread_notifications", "accepts_marketing", "has_insurance",
}


def clean_registration(
    organization, data: dict, *, actor: Actor, as_lead: bool = False, with_account: bool = False,
    also_required: tuple[str, ...] = (),
) -> dict:
    """Every check `register_patient` makes before writing, without writing: the cleaned values
    (domain names), or PatientRuleError listing every field error. The CSV import checks each row
    with this, then writes in bulk."""
    cleaner = _Cleaner(organization, data, actor=actor)
    cleaner.clean(allow_unknown_birth_date=as_lead, unchecked_phone_parts=as_lead)
    values = cleaner.values
    if as_lead:
        if values.get("gender") in (None, Patient.Gender.UNKNOWN) and "gender" not in cleaner.errors:
            cleaner.error("gender", "Gender is required.")
    else:
        phone_parts_wrong = "local_phone" in cleaner.errors or "calling_code" in cleaner.errors
        for field in missing_for_full_patient(organization, values):
            if field not in cleaner.errors and not (field == "phone" and phone_parts_wrong):
                cleaner.error(field, "This field is required.")
    for field in also_required:
        if not str(values.get(field) or "").strip() and field not in cleaner.errors:
            cleaner.error(field, "This field is required.")
    if with_account and not values.get("email") and "email" not in cleaner.errors:
        cleaner.error("email", "This field is required.")
    cleaner.raise_if_errors()
    return values


def register_patient(
    organization,
    data: dict,
    *,
    actor: Actor,
    as_lead: bool = False,
    with_account: bool = False,
    allow_possible_duplicates: bool = True,
    also_required: tuple[str, ...] = (),
) -> Patient:
    """Register a patient (or, with `as_lead`, a lead) in `organization`.

    `data` uses domain names: given_name, family_name, preferred_name, full_name, gender,
    date_of_birth, email, phone (or calling_code + local_phone; optional phone_region, a region code
    such as GB, reads a phone typed without a country code in that region), province, password, username,
    roles, emr_id, referrer, meta, unread_notifications, accepts_marketing, has_insurance,
    providers, groups (ids), health_card ({number, version_code, province, expiry_date}),
    verifications ({channel: status}).

    `with_account`: the "Create a Patient" contract, which always creates a login, so it needs an email.
    `allow_possible_duplicates=False` (intake form until the clerk confirms) refuses when
    `find_possible_duplicates` finds someone.
    `also_required`: fields a contract requires beyond what a full patient needs (the Register
    Patient contract: preferred_name and calling_code for a non-lead).
    A lead's calling_code + local_phone are stored as sent even when they are not a valid number yet.
    """
    values = clean_registration(
        organization, data, actor=actor, as_lead=as_lead, with_account=with_account, also_required=also_required
    )

    card = values.get("health_card")
    if not allow_possible_duplicates:
        matches = find_possible_duplicates(
            organization, given_name=values.get("given_name", ""), family_name=values.get("family_name", ""),
            date_of_birth=values.get("date_of_birth"), phone=values.get("phone", ""),
            email=values.get("email", ""), health_card_number=card.number if card else "",
            health_card_province=card.province if card else "",
        )
        if matches:
            raise PossibleDuplicatesError(matches)

    patient = Patient(organization=organization, **{f: values[f] for f in MODEL_FIELDS if f in values})
    patient.status = Patient.Status.LEAD if as_lead else Patient.Status.ACTIVE
    if not patient.roles:
        patient.roles = ["patient"]
    patient.created_via = actor.channel
    patient.created_by = actor.user
    patient.created_by_api_key = actor.api_key
    try:
        with transaction.atomic():
            if not as_lead:
                patient.patient_number = organization.allocate_patient_number()
            _save(patient, actor, "Registered as a lead" if as_lead else "Registered")
            if values.get("providers"):
                patient.providers.set(values["providers"])
            if values.get("groups"):
                patient.groups.set(values["groups"])
            if card is not None:
                _write_health_card(patient, card, actor)
            if values.get("verifications"):
                _apply_verifications(patient, values["verifications"], actor)
    except IntegrityError as exc:
        raise _conflict_from(exc) from exc
    patient.health_card_warnings = card.warnings if card else []
    return patient


def update_patient(patient: Patient, changes: dict, *, actor: Actor) -> Patient:
    """Change some fields of `patient` (only the keys present in `changes`), with the same rules.

    Clearing a field an active patient needs is refused. A new email or phone resets that
    channel's verification.
    """
    organization = patient.organization
    cleaner = _Cleaner(organization, changes, actor=actor, patient=patient)
    cleaner.clean(allow_unknown_birth_date=patient.is_lead)
    values = cleaner.values
    if not patient.is_lead:
        merged = {f: cleaner.current(f) for f in ("given_name", "family_name", "date_of_birth", "phone",
                                                  "gender", "email")}
        for field in missing_for_full_patient(organization, merged):
            if field in values and field not in cleaner.errors:
                cleaner.error(field, "This field is required.")
    cleaner.raise_if_errors()

    changed_channels = [
        c for c in ("email", "phone") if c in values and str(values[c] or "") != str(getattr(patient, c) or "")
    ]
    for field in MODEL_FIELDS:
        if field in values:
            setattr(patient, field, values[field])
    if "email" in values and not values["email"]:
        patient.username = ""
    try:
        with transaction.atomic():
            _save(patient, actor, "Updated")
            if "providers" in values:
                patient.providers.set(values["providers"])
            if "groups" in values:
                patient.groups.set(values["groups"])
            if "health_card" in values:
                _write_health_card(patient, values["health_card"], actor)
            if changed_channels or values.get("verifications"):
                _apply_verifications(
                    patient, values.get("verifications", {}), actor, reset_channels=changed_channels
                )
    except IntegrityError as exc:
        patient.refresh_from_db()  # the caller's object shows what is stored, not the refused change
        raise _conflict_from(exc) from exc
    card = values.get("health_card")
    patient.health_card_warnings = card.warnings if card else []
    return patient


def promote_lead(patient: Patient, *, by, confirm_duplicates: bool = False, **missing_fields) -> Patient:
    """Turn a lead into an active patient with the organization's next patient number.

    `by` is an Actor (or a staff user, taken as acting from the admin). `missing_fields` use
    the domain names of `register_patient` and fill in what the lead lacks. Refuses with
    `LeadIncompleteError` (listing what is missing), `NotALeadError`, or
    `PossibleDuplicatesError` when active patients may be the same person and
    `confirm_duplicates` is false.
    """
    actor = by if isinstance(by, Actor) else Actor(channel="admin", user=by)
    organization = patient.organization
    with transaction.atomic():
        locked = Patient.objects.select_for_update().get(pk=patient.pk, organization=organization)
        locked.organization = organization  # the same row: spares a query wherever the patient's org is read
        if not locked.is_lead:
            raise NotALeadError()
        cleaner = _Cleaner(organization, missing_fields, actor=actor, patient=locked)
        cleaner.clean()
        cleaner.raise_if_errors()
        values = cleaner.values
        merged = {f: cleaner.current(f) for f in ("given_name", "family_name", "date_of_birth", "phone",
                                                  "gender", "email")}
        if not merged["phone"] and (locked.local_phone and "phone" not in values):
            try:
                merged["phone"] = v.phone_from_parts(locked.calling_code, locked.local_phone,
                                                     organization.default_phone_region)
                values["phone"] = merged["phone"]
            except v.FieldError:
                pass
        missing = missing_for_full_patient(organization, merged)
        if missing:
            raise LeadIncompleteError(missing)

        card = values.get("health_card")
        if card is None and "health_card" not in values:
            existing = HealthCard.objects.filter(patient=locked).first()
            card_number, card_province = (existing.number, existing.province) if existing else ("", "")
        else:
            card_number, card_province = (card.number, card.province) if card else ("", "")
        if not confirm_duplicates:
            matches = find_possible_duplicates(
                organization, given_name=merged["given_name"], family_name=merged["family_name"],
                date_of_birth=merged["date_of_birth"], phone=merged["phone"], email=merged["email"] or "",
                health_card_number=card_number, health_card_province=card_province,
                exclude=locked, statuses=(Patient.Status.ACTIVE,),
            )
            if matches:
                raise PossibleDuplicatesError(matches)

        changed_channels = [
            c for c in ("email", "phone") if c in values and str(values[c] or "") != str(getattr(locked, c) or "")
        ]
        for field in MODEL_FIELDS:
            if field in values:
                setattr(locked, field, values[field])
        locked.status = Patient.Status.ACTIVE
        locked.patient_number = organization.allocate_patient_number()
        locked.promoted_at = timezone.now()
        locked.promoted_by = actor.user
        locked.promoted_by_label = actor.label
        try:
            with transaction.atomic():
                _save(locked, actor, "Promoted from lead to patient")
                if changed_channels:  # a new email or phone is not the one that was verified
                    _apply_verifications(locked, {}, actor, reset_channels=changed_channels)
                if "providers" in values:
                    locked.providers.set(values["providers"])
                if "groups" in values:
                    locked.groups.set(values["groups"])
                if "health_card" in values:
                    _write_health_card(locked, values["health_card"], actor)
        except IntegrityError as exc:
            raise _conflict_from(exc) from exc
    return locked
