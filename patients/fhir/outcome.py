"""Errors as OperationOutcome: one exception the views raise, one builder for the answer body.

Status codes (http.html#create / #update): 400 when the body cannot be parsed or is not a valid
FHIR Patient (fhir.resources refuses it); 422 when it is valid FHIR but breaks one of our rules
(a bad health card checksum, a birth date in the future, a required field missing, an email
already registered); 412 for a failed precondition (If-Match, several If-None-Exist matches).
"""

from fhir.resources.R4B.operationoutcome import OperationOutcome

# The IssueType code for each status we answer with (http://hl7.org/fhir/issue-type).
ISSUE_CODES = {
    400: "invalid", 401: "login", 403: "forbidden", 404: "not-found", 405: "not-supported",
    406: "not-supported", 409: "conflict", 410: "deleted", 412: "conflict", 413: "too-costly",
    415: "not-supported", 422: "business-rule", 429: "throttled", 500: "exception",
}


class FhirError(Exception):
    """An answer other than success: `issues` are (code, message, expression or None)."""

    def __init__(self, status: int, message: str = "", *, code: str | None = None, expression: str | None = None,
                 issues: list[tuple[str, str, str | None]] | None = None, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.issues = issues or [(code or ISSUE_CODES.get(status, "processing"), message, expression)]
        self.headers = headers or {}


def operation_outcome(issues, severity="error") -> OperationOutcome:
    """An OperationOutcome with one issue per (code, message, expression)."""
    entries = []
    for code, message, expression in issues:
        issue = {"severity": severity, "code": code, "diagnostics": message}
        if expression:
            issue["expression"] = [expression]
        entries.append(issue)
    return OperationOutcome.model_validate({"resourceType": "OperationOutcome", "issue": entries})


def pydantic_path(loc) -> str:
    """A pydantic error location ('identifier', 1, 'value') as a FHIR path: Patient.identifier[1].value."""
    path = "Patient"
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif str(part).startswith(("function-", "json-or-python", "union")):  # pydantic's internal steps
            continue
        else:
            path += f".{part}"
    return path
