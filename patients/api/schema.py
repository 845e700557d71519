"""What the OpenAPI schema (/api/schema/, drf-spectacular) says beyond each view's own annotations,
so that a client generated from it, and a strict validator, accept every answer the server gives.

`finish_schema` (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]) does what holds for every operation:
- a nullable object reference is written `oneOf: [{$ref}, {enum: [null]}]`: OpenAPI 3.0 ignores
  `nullable` beside a bare `allOf` of a reference, so `hcCard: null` failed validation; and "a
  pattern or empty" is written so that "" is valid once, not under both branches of a oneOf;
- every operation with a body documents 400 (malformed JSON, unstorable text, a wrong JSON type)
  and 413 (body over DATA_UPLOAD_MAX_MEMORY_SIZE), every operation 429 (every API view is throttled)
  with its `Retry-After` header, all in the contract's error shape;
- a 201 that creates a patient documents its `Location` and `Idempotent-Replayed` headers.
"""

import re

from django.conf import settings

from patients.api.idempotency import REPLAY_HEADER

# Shapes shared by several fields.
EMAIL_OR_EMPTY = {
    "type": "string", "maxLength": 254, "pattern": r"^$|^[^@\s]+@[^@\s]+$",
    "description": 'An email address, or "" when there is none (a lead may have none).',
}
E164_OR_EMPTY = {
    "type": "string", "pattern": r"^$|^\+[1-9]\d{1,14}$",
    "description": 'E.164, e.g. +14165550123; "" when there is none (a lead may have none).',
}
PROVINCE_OR_EMPTY = {
    "type": "string", "maxLength": 2, "pattern": "^([A-Za-z]{2})?$",
    "description": 'A two-letter Canadian province/territory or US state code, or "" when unknown.',
}
NULL = {"type": "object", "nullable": True, "enum": [None], "description": "null"}

BAD_BODY_DESCRIPTION = "The body is not a JSON object, or a field is not valid (`errors` names it)."
THROTTLED_DESCRIPTION = "Too many requests; see Retry-After."
TOO_LARGE_DESCRIPTION = "The body is over the size limit (DATA_UPLOAD_MAX_MEMORY_SIZE)."
RETRY_AFTER = {
    "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before trying again."},
}
CREATED_HEADERS = {
    "Location": {"schema": {"type": "string"}, "description": "The new patient's address."},
    REPLAY_HEADER: {
        "schema": {"type": "string", "enum": ["true"]},
        "description": "Present on a replay: the first answer to this Idempotency-Key, repeated.",
    },
}
ENVELOPE_PATHS = ("/api/user/v1/",)  # the "Register Patient" contract's envelope


EMPTY_TEXT = {"type": "string", "maxLength": 0}


def _fix_alternatives(node):
    """Everywhere in the document: allOf[$ref] + nullable -> oneOf[$ref, null]; and the "text or
    empty" that drf-spectacular writes for a blank-allowing field with a pattern, oneOf[X, ""],
    which refuses "" when X's pattern accepts it too (valid under both): X alone when its pattern
    accepts "", else anyOf."""
    if isinstance(node, dict):
        all_of = node.get("allOf")
        if node.get("nullable") and isinstance(all_of, list) and len(all_of) == 1 and "$ref" in all_of[0]:
            del node["allOf"], node["nullable"]
            node["oneOf"] = [all_of[0], NULL]
        one_of = node.get("oneOf")
        if isinstance(one_of, list) and len(one_of) == 2 and one_of[1] == EMPTY_TEXT:
            inner = one_of[0]
            del node["oneOf"]
            if "pattern" in inner and "format" not in inner and re.search(inner["pattern"], ""):
                node.update(inner)
            else:
                node["anyOf"] = one_of
        for value in node.values():
            _fix_alternatives(value)
    elif isinstance(node, list):
        for value in node:
            _fix_alternatives(value)


def _refusal(path: str, description: str) -> dict:
    name = "ErrorEnvelope" if path.startswith(ENVELOPE_PATHS) else "Error"
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}}


def _too_large(path: str) -> dict:
    from patients.api.errors import error_body
    from patients.api.leads import PAYLOAD_TOO_LARGE, envelope_error
    from patients.strict_input import TOO_LARGE

    message = TOO_LARGE.format(limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    if path.startswith(ENVELOPE_PATHS):
        name, example = "ErrorEnvelope", envelope_error(PAYLOAD_TOO_LARGE, message)
    else:
        name, example = "Error", error_body(413, message, code="payload_too_large")
    return {
        "description": TOO_LARGE_DESCRIPTION,
        "content": {"application/json": {
            "schema": {"$ref": f"#/components/schemas/{name}"},
            "examples": {"PayloadTooLarge": {"value": example}},
        }},
    }


def finish_schema(result, generator, request, public):
    _fix_alternatives(result)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            if "requestBody" in operation or method in ("post", "patch", "put"):
                responses.setdefault("400", _refusal(path, BAD_BODY_DESCRIPTION))
                responses.setdefault("413", _too_large(path))
            responses.setdefault("429", _refusal(path, THROTTLED_DESCRIPTION))
            if "429" in responses:
                responses["429"].setdefault("headers", {}).update(RETRY_AFTER)
            if method == "post" and "201" in responses and path.rstrip("/").endswith("/patients"):
                responses["201"].setdefault("headers", {}).update(CREATED_HEADERS)
    return result

