"""GET /fhir/R4/metadata: exactly what this server does, as a CapabilityStatement."""

from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from patients.fhir.bundles import EXACT_TOTAL_UP_TO
from patients.fhir.search import DEFINITIONS, PARAMETERS

SOFTWARE_VERSION = "1.0.0"
RELEASED = "2026-11-30"


def capability_statement(base_url: str) -> CapabilityStatement:
    search_params = [
        {"name": name, "definition": DEFINITIONS[name], "type": kind, "documentation": text}
        for name, (kind, text) in PARAMETERS.items()
    ]
    return CapabilityStatement.model_validate({
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": RELEASED,
        "publisher": "Patient Intake",
        "kind": "instance",
        "software": {"name": "Patient Intake", "version": SOFTWARE_VERSION},
        "implementation": {"description": "Patient Intake FHIR R4 endpoint", "url": base_url.rstrip("/")},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json", "application/json"],
        "rest": [{
            "mode": "server",
            "documentation": (
                "Results: _count (default 20, at most 100), _offset (paging; follow the Bundle's next and "
                "previous links), _total=none|estimate|accurate. Bundle.total, when given, is exact: the page shows "
                f"where the results end, or a count found at most {EXACT_TOTAL_UP_TO:,} matches (a full page is "
                f"counted when the database expects at most {EXACT_TOTAL_UP_TO:,}); it is never estimated. "
                "_total=accurate always counts; _total=none leaves it out. Unknown parameters are ignored unless the "
                "request has 'Prefer: handling=strict'. POST Patient/_search takes the same parameters as a "
                "form body."),
            "security": {
                "cors": False,
                "description": "Send an organization's API key as 'Authorization: Bearer <key>'. Every request "
                               "sees only that organization's patients; this statement needs no key.",
            },
            "resource": [{
                "type": "Patient",
                "profile": "http://hl7.org/fhir/StructureDefinition/Patient",
                "documentation": (
                    "A Patient created without birthDate or a phone, or with active=false, is a lead "
                    "(active=false); updating a lead to complete promotes it. Patient numbers are assigned "
                    "by the server. Elements not listed in the README's mapping are accepted and not kept."),
                "interaction": [
                    {"code": "read"}, {"code": "vread"}, {"code": "update"}, {"code": "create"},
                    {"code": "search-type"},
                ],
                "versioning": "versioned-update",
                "readHistory": True,
                "updateCreate": False,
                "conditionalCreate": True,
                "conditionalRead": "not-supported",
                "conditionalUpdate": False,
                "conditionalDelete": "not-supported",
                "searchParam": search_params,
                "operation": [{"name": "match", "definition": "http://hl7.org/fhir/OperationDefinition/Patient-match",
                               "documentation": "Our duplicate rules; each entry scored with its match grade."}],
            }],
        }],
    })
