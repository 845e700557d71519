"""Our patient as a FHIR Patient, and a FHIR Patient as the services' input (domain names).

Out: identifiers (patient number MR, health card JHN with its version code and expiry, EMR id),
name (official, and the preferred name as `usual`), telecom (phone, email, each with its
verification status), gender, birthDate, address.state (province), communication (the preferred
language, a BCP 47 code), generalPractitioner
(providers by identifier), active (false for a lead, an archived or a merged record), link
(replaced-by / replaces between a merged record and its survivor), meta from history.

In: the same elements. Elements we do not keep (address lines, contact, photo, ...) are accepted
and not stored; the patient number and `meta` are the server's and are ignored on input.
"""

from dataclasses import dataclass, field
from datetime import UTC

from django.conf import settings
from fhir.resources.R4B.patient import Patient as FhirPatient
from localflavor.ca.ca_provinces import PROVINCE_CHOICES
from pydantic import ValidationError

from patients.errors import PatientConflictError, PatientRuleError
from patients.fhir.identifiers import (
    DATA_ABSENT_REASON,
    HEALTH_CARD_SYSTEMS,
    INFOWAY,
    VERSION_CODE_EXTENSION,
    has_type,
    health_card_system,
    last4_extension_url,
    organization_system,
    type_code,
    verification_extension_url,
)
from patients.fhir.outcome import FhirError, pydantic_path
from patients.models import Patient, Verification

CANADIAN = {code for code, _ in PROVINCE_CHOICES}
LANGUAGE_NAMES = dict(settings.LANGUAGES)
NOT_OFFICIAL = ("usual", "nickname", "old", "anonymous", "maiden", "temp")
# The fields a PUT replaces (absent from the body = cleared), with the value that clears each.
REPLACED = {
    "given_name": "", "family_name": "", "preferred_name": "", "gender": Patient.Gender.UNKNOWN,
    "date_of_birth": None, "phone": "", "email": "", "province": "", "emr_id": None, "health_card": None,
    "providers": [], "preferred_language": "",
}
BCP_47 = "urn:ietf:bcp:47"


@dataclass
class Version:
    version_id: int | None
    last_updated: object  # a datetime


@dataclass
class Rendered:
    """A resource we send: validated by fhir.resources (`model`), sent as the JSON data it was
    validated from (`data`), which is cheaper to write than the model's own serializer."""

    model: object
    data: dict


def patient_resource(patient, version: Version | None, **shown) -> Rendered:
    """`patient` (a Patient or a historical row) as a validated FHIR Patient (see patient_json)."""
    return validated(patient_json(patient, version, **shown))


def validated(data: dict) -> Rendered:
    return Rendered(FhirPatient.model_validate(data), data)


def patient_json(patient, version: Version | None, *, health_card=None, providers=None,
                 verifications=None, replaces=(), mask_health_card=False) -> dict:
    """`patient` (a Patient or a historical row) as FHIR Patient JSON data.

    `health_card`, `providers`, `verifications` ({channel: status}): what to show; None shows none.
    A historical row shows its phone as stored (E.164) or, for a lead, the calling code and local phone.
    A merged record links to the record it was merged into (`replaced-by`); `replaces`: the ids of
    the records merged into this one. `mask_health_card` (lists: search, $match): the card's value is
    absent (data-absent-reason `masked`) and only its last four characters are given, in an
    extension named for them; the full number is read one record at a time.
    """
    organization = patient.organization
    resource: dict = {"resourceType": "Patient", "id": str(patient.id)}
    if version is not None:
        meta = {"lastUpdated": version.last_updated.astimezone(UTC).isoformat().replace("+00:00", "Z")}
        if version.version_id is not None:
            meta["versionId"] = str(version.version_id)
        resource["meta"] = meta

    identifiers = []
    if patient.patient_number:
        identifiers.append({"use": "usual", "type": type_code("MR", "Medical record number"),
                            "system": organization_system(organization, "patient-number"),
                            "value": str(patient.patient_number)})
    if health_card is not None:
        card = {"type": type_code("JHN", "Jurisdictional health number (Canada)"),
                "system": health_card_system(health_card.province)}
        if mask_health_card:
            card["_value"] = {"extension": [
                {"url": DATA_ABSENT_REASON, "valueCode": "masked"},
                {"url": last4_extension_url(), "valueString": health_card.number[-4:]},
            ]}
        else:
            card["value"] = health_card.number
        if health_card.version_code:
            card["extension"] = [{"url": VERSION_CODE_EXTENSION, "valueString": health_card.version_code}]
        if health_card.expiry_date:
            card["period"] = {"end": health_card.expiry_date.isoformat()}
        identifiers.append(card)
    if patient.emr_id is not None:
        identifiers.append({"type": {"text": "EMR id"}, "system": organization_system(organization, "emr-id"),
                            "value": str(patient.emr_id)})
    if identifiers:
        resource["identifier"] = identifiers
    resource["active"] = patient.status == Patient.Status.ACTIVE

    names = []
    official = {"use": "official"}
    if patient.family_name:
        official["family"] = patient.family_name
    if patient.given_name.split():
        official["given"] = patient.given_name.split()
    if patient.full_name.strip():
        official["text"] = patient.full_name.strip()
    if len(official) > 1:
        names.append(official)
    if patient.preferred_name.strip():
        names.append({"use": "usual", "text": patient.preferred_name.strip()})
    if names:
        resource["name"] = names

    telecom = []
    phone = _phone(patient).strip()
    for system, value in (("phone", phone), ("email", patient.email)):
        if not value:
            continue
        point = {"system": system, "value": value}
        if verifications is not None:  # a channel without a verification row is unverified
            status = verifications.get(system, Verification.Status.UNVERIFIED)
            point["extension"] = [{"url": verification_extension_url(), "valueCode": status}]
        telecom.append(point)
    if telecom:
        resource["telecom"] = telecom
    resource["gender"] = patient.gender or Patient.Gender.UNKNOWN
    if patient.date_of_birth:
        resource["birthDate"] = patient.date_of_birth.isoformat()
    if patient.province:
        resource["address"] = [{"state": patient.province, "country": "CA" if patient.province in CANADIAN else "US"}]
    if patient.preferred_language:
        code = patient.preferred_language
        resource["communication"] = [{"language": {"coding": [
            {"system": BCP_47, "code": code, "display": str(LANGUAGE_NAMES.get(code, code))}]}, "preferred": True}]
    links = [{"other": {"reference": f"Patient/{merged_id}"}, "type": "replaces"} for merged_id in replaces]
    if patient.merged_into_id:
        links.insert(0, {"other": {"reference": f"Patient/{patient.merged_into_id}"}, "type": "replaced-by"})
    if links:
        resource["link"] = links
    if providers:
        system = organization_system(organization, "provider")
        resource["generalPractitioner"] = [
            {"identifier": {"system": system, "value": str(p.pk)}, "display": p.name} for p in providers
        ]
    return resource


def _phone(patient) -> str:
    """Patient.phone_as_typed (a historical row has the same fields, not the method), without
    formatting a stored number again: only valid numbers are stored, in E.164, and str() of a
    PhoneNumber validates it again (most of a search page's mapping, as on the v1 API's)."""
    raw = getattr(patient.phone, "raw_input", None) or ""
    return raw if raw.startswith("+") else Patient.phone_as_typed(patient)


def parse_patient(data: dict) -> FhirPatient:
    """A received body as a FHIR Patient, or 400 naming each bad element."""
    if data.get("resourceType") != "Patient":
        raise FhirError(400, "Send a Patient resource (resourceType \"Patient\").", code="invalid",
                        expression="Patient.resourceType")
    try:
        return FhirPatient.model_validate(data)
    except ValidationError as exc:
        raise FhirError(400, "The Patient is not valid FHIR.", issues=[
            ("structure" if e["type"] == "extra_forbidden" else "value", f"{pydantic_path(e['loc'])}: {e['msg']}",
             pydantic_path(e["loc"]))
            for e in exc.errors()[:50]
        ]) from exc
    except (TypeError, ValueError, RecursionError) as exc:
        raise FhirError(400, f"The Patient is not valid FHIR: {str(exc)[:200]}", code="structure") from exc


@dataclass
class Incoming:
    """A received Patient in the services' terms."""

    data: dict = field(default_factory=dict)  # domain names, only the elements that were sent
    paths: dict = field(default_factory=dict)  # domain field -> FHIR path, for error messages
    active: bool | None = None
    id: str | None = None
    problems: list = field(default_factory=list)  # (code, message, expression): refused before any service

    def replacing(self) -> dict:
        """For an update (PUT replaces the resource): every mapped field, absent ones cleared."""
        return {**REPLACED, **self.data}

    def raise_problems(self):
        if self.problems:
            raise FhirError(422, self.problems[0][1], issues=self.problems)

    def rule_error(self, exc: PatientRuleError) -> FhirError:
        """A service's refusal (domain field names) as a 422 naming the FHIR paths."""
        issues = []
        for name, messages in exc.errors.items():
            expression = self.path_of(name)
            for message in messages:
                if isinstance(exc, PatientConflictError):
                    code = "duplicate"
                elif "required" in message or "needed" in message:
                    code = "required"
                else:
                    code = "value"
                issues.append((code, message, expression))
        return FhirError(422, exc.message, issues=issues or [("business-rule", exc.message, None)])

    def path_of(self, name: str) -> str | None:
        if name in ("__all__", "status"):
            return None if name == "__all__" else "Patient.active"
        if name in self.paths:
            return self.paths[name]
        head = name.split(".")[0]
        return self.paths.get(head) or DEFAULT_PATHS.get(name) or DEFAULT_PATHS.get(head) or "Patient"


DEFAULT_PATHS = {
    "given_name": "Patient.name.given", "family_name": "Patient.name.family", "full_name": "Patient.name.text",
    "preferred_name": "Patient.name", "gender": "Patient.gender", "date_of_birth": "Patient.birthDate",
    "phone": "Patient.telecom", "calling_code": "Patient.telecom", "local_phone": "Patient.telecom",
    "email": "Patient.telecom", "province": "Patient.address.state", "emr_id": "Patient.identifier",
    "health_card": "Patient.identifier", "providers": "Patient.generalPractitioner",
    "preferred_language": "Patient.communication",
}


def incoming_patient(data: dict, organization) -> Incoming:
    """Parse (400 on invalid FHIR) and translate a received Patient."""
    parse_patient(data)
    got = Incoming(active=data.get("active"), id=data.get("id"))
    _names(data.get("name") or [], got)
    _telecom(data.get("telecom") or [], got)
    if "gender" in data:
        got.data["gender"] = data["gender"]
        got.paths["gender"] = "Patient.gender"
    if data.get("birthDate"):
        got.paths["date_of_birth"] = "Patient.birthDate"
        if len(data["birthDate"]) != 10:
            got.problems.append(("value", "Send the full date of birth (YYYY-MM-DD).", "Patient.birthDate"))
        else:
            got.data["date_of_birth"] = data["birthDate"]
    for i, address in enumerate(data.get("address") or []):
        if address.get("state"):
            got.data["province"] = address["state"]
            got.paths["province"] = f"Patient.address[{i}].state"
            break
    _language(data.get("communication") or [], got)
    _identifiers(data.get("identifier") or [], organization, got)
    _practitioners(data.get("generalPractitioner"), organization, got)
    return got


def _names(names, got):
    official = next(((i, n) for i, n in enumerate(names) if n.get("use") not in NOT_OFFICIAL), None)
    usual = next(((i, n) for i, n in enumerate(names) if n.get("use") == "usual"), None)
    if official is not None:
        i, name = official
        got.data["given_name"] = " ".join(name.get("given") or [])
        got.data["family_name"] = name.get("family") or ""
        got.paths.update(given_name=f"Patient.name[{i}].given", family_name=f"Patient.name[{i}].family",
                         full_name=f"Patient.name[{i}].text")
        if name.get("text"):
            got.data["full_name"] = name["text"]
    if usual is not None:
        i, name = usual
        got.data["preferred_name"] = name.get("text") or " ".join(name.get("given") or [])
        got.paths["preferred_name"] = f"Patient.name[{i}]"


def _language(communication, got):
    """The preferred language (or the first one): a BCP 47 code such as fr or fr-CA, or its text."""
    chosen = next(((i, c) for i, c in enumerate(communication) if c.get("preferred")), None)
    chosen = chosen or (next(enumerate(communication)) if communication else None)
    if chosen is None:
        return
    i, item = chosen
    language = item.get("language") or {}
    codes = [c.get("code") for c in language.get("coding") or [] if c.get("system") in (BCP_47, None) and c.get("code")]
    got.data["preferred_language"] = codes[0] if codes else language.get("text") or ""
    got.paths["preferred_language"] = f"Patient.communication[{i}].language"


def _telecom(points, got):
    for i, point in enumerate(points):
        system = point.get("system")
        if system in ("phone", "email") and system not in got.data and point.get("value"):
            got.data[system] = point["value"]
            got.paths[system] = f"Patient.telecom[{i}].value"
            if system == "phone":
                got.paths["calling_code"] = got.paths["local_phone"] = got.paths["phone"]


def _identifiers(identifiers, organization, got):
    emr_system = organization_system(organization, "emr-id")
    for i, identifier in enumerate(identifiers):
        system, value = identifier.get("system") or "", identifier.get("value") or ""
        at = f"Patient.identifier[{i}]"
        if system in HEALTH_CARD_SYSTEMS or (system.startswith(INFOWAY) and "patient" in system):
            if "health_card" in got.data:
                got.problems.append(("value", "Send at most one health card.", at))
                continue
            province = HEALTH_CARD_SYSTEMS.get(system)
            if province is None:
                got.problems.append(("code-invalid", "Unknown provincial health card system.", f"{at}.system"))
                continue
            version = next((e.get("valueString") for e in identifier.get("extension") or []
                            if e.get("url") == VERSION_CODE_EXTENSION), "")
            got.data["health_card"] = {"number": value, "province": province, "version_code": version or "",
                                       "expiry_date": (identifier.get("period") or {}).get("end")}
            extension_index = next((j for j, e in enumerate(identifier.get("extension") or [])
                                    if e.get("url") == VERSION_CODE_EXTENSION), None)
            got.paths.update({
                "health_card": at, "health_card.number": f"{at}.value", "health_card.province": f"{at}.system",
                "health_card.version_code": (f"{at}.extension[{extension_index}].valueString"
                                             if extension_index is not None else f"{at}.extension"),
                "health_card.expiry_date": f"{at}.period.end",
            })
        elif has_type(identifier, "JHN"):
            got.problems.append(("code-invalid", "A health card (JHN) needs its province's Canada Health Infoway "
                                 "NamingSystem as its system, e.g. " + health_card_system("ON") + ".", f"{at}.system"))
        elif system == emr_system:
            got.data["emr_id"] = value
            got.paths["emr_id"] = f"{at}.value"


def _practitioners(references, organization, got):
    if references is None:
        return
    system = organization_system(organization, "provider")
    ids = []
    for i, reference in enumerate(references):
        identifier = reference.get("identifier") or {}
        text = reference.get("reference") or ""
        if identifier.get("system") == system and identifier.get("value"):
            ids.append(identifier["value"])
        elif text.startswith("Practitioner/") and text.count("/") == 1:
            ids.append(text.split("/", 1)[1])
        else:
            got.problems.append(("value", f"Refer to a provider by identifier (system {system}) or as "
                                 "Practitioner/<provider id>.", f"Patient.generalPractitioner[{i}]"))
    got.data["providers"] = ids
    got.paths["providers"] = "Patient.generalPractitioner"
