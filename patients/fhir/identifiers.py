"""The URIs this door speaks: identifier systems, extensions and type codes.

- The patient number is the organization's medical record number (type MR), with one system per
  organization under the platform's domain: https://<PLATFORM_BASE_DOMAIN>/fhir/NamingSystem/<slug>/patient-number.
  The EMR id and provider ids get sibling systems (`.../emr-id`, `.../provider`).
- A health card is a jurisdictional health number (type JHN) in Canada Health Infoway's provincial
  NamingSystem; its version code is the Canadian baseline's `ext-identifierversion` extension on
  that identifier, its expiry date the identifier's `period.end`.
"""

from django.conf import settings

from patients.health_cards import PROVINCES

V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
INFOWAY = "https://fhir.infoway-inforoute.ca/NamingSystem/"
VERSION_CODE_EXTENSION = "http://hl7.org/fhir/ca/baseline/StructureDefinition/ext-identifierversion"
MATCH_GRADE_EXTENSION = "http://hl7.org/fhir/StructureDefinition/match-grade"
DATA_ABSENT_REASON = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"


def canonical_base() -> str:
    return f"https://{settings.PLATFORM_BASE_DOMAIN.strip('.')}/fhir"


def verification_extension_url() -> str:
    """Ours: a telecom's verification status (unverified, pending, verified) as a valueCode."""
    return f"{canonical_base()}/StructureDefinition/contactpoint-verification"


def last4_extension_url() -> str:
    """Ours: the last four characters of a masked identifier (a health card in a list)."""
    return f"{canonical_base()}/StructureDefinition/identifier-last4"


def organization_system(organization, kind: str) -> str:
    """kind: patient-number, emr-id, provider."""
    return f"{canonical_base()}/NamingSystem/{organization.slug}/{kind}"


def health_card_system(province: str) -> str:
    if province == "ON":
        return INFOWAY + "ca-on-patient-hcn"
    return INFOWAY + f"ca-{province.lower()}-patient-healthcare-id"


HEALTH_CARD_SYSTEMS = {health_card_system(code): code for code in PROVINCES}


def type_code(code: str, display: str) -> dict:
    return {"coding": [{"system": V2_0203, "code": code, "display": display}]}


def has_type(identifier: dict, code: str) -> bool:
    codings = ((identifier.get("type") or {}).get("coding")) or []
    return any(c.get("system") in (V2_0203, None) and c.get("code") == code for c in codings)
