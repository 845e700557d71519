"""What the patient services raise. Adapters (API, forms, admin) translate these, never decide.

Messages are in the active language (the request's); field keys never change."""

from django.utils.translation import gettext as _


class PatientRuleError(Exception):
    """Bad input: `errors` maps a field (domain name, dotted for nested: `health_card.number`)
    to its messages. Nothing was written."""

    status_code = 400

    def __init__(self, errors: dict[str, list[str]], message: str | None = None):
        message = _("Some fields are not valid.") if message is None else message
        super().__init__(message)
        self.errors = {k: list(v) for k, v in errors.items()}
        self.message = message


class PatientConflictError(PatientRuleError):
    """The email, EMR id or health card is already registered in this organization."""

    status_code = 409

    def __init__(self, errors, message=None):
        if message is None:
            message = _("A patient with these details is already registered.")
        super().__init__(errors, message)


class PossibleDuplicatesError(PatientRuleError):
    """Likely duplicates exist and the caller did not confirm that this is a new patient."""

    status_code = 409

    def __init__(self, matches):
        super().__init__({"__all__": [_("This may be a patient who is already registered.")]},
                         _("Possible duplicates found; confirm that this is a new patient."))
        self.matches = matches


class LeadIncompleteError(PatientRuleError):
    """Promotion refused: `missing` lists what a full patient still needs."""

    status_code = 400

    def __init__(self, missing: list[str], errors: dict[str, list[str]] | None = None):
        errs = {f: [_("This is needed to complete the registration.")] for f in missing}
        errs.update(errors or {})
        super().__init__(
            errs, _("The lead is missing details a full patient needs: %(fields)s") % {"fields": ", ".join(missing)}
        )
        self.missing = missing


class NotALeadError(PatientRuleError):
    status_code = 409

    def __init__(self):
        super().__init__({"status": [_("Only a lead can be promoted.")]}, _("This patient is not a lead."))


class TooManyRequestsError(PatientRuleError):
    """Asked again too soon (a resend cooldown) or too often (a daily cap): try again later.
    `retry_after` is in seconds."""

    status_code = 429

    def __init__(self, errors, message=None, *, retry_after: int | None = None):
        super().__init__(errors, _("Too many requests; try again later.") if message is None else message)
        self.retry_after = retry_after


class SignInError(PatientRuleError):
    """A refused patient sign-in. One message for every cause (unknown username, wrong password,
    no password set, locked account) so the answer never tells whether an account exists."""

    status_code = 401

    def __init__(self):
        message = _(
            "The username or password is not correct. After 10 failed attempts in a row an account "
            "is locked for 15 minutes."
        )
        super().__init__({"__all__": [message]}, message)


class MergeRefusedError(PatientRuleError):
    """A merge, unmerge, archive or restore that cannot be done as asked (409). `code` names why:
    already_merged, would_make_chain, health_card_conflict, not_merged, ..."""

    status_code = 409
    code = "merge_refused"

    def __init__(self, message: str, field: str = "__all__", code: str | None = None):
        super().__init__({field: [message]}, message)
        if code:
            self.code = code


class AlreadyMergedError(MergeRefusedError):
    code = "already_merged"

    def __init__(self, patient):
        super().__init__(_("%(patient)s was already merged into another record.") % {"patient": patient}, "status")


class MergeChainError(MergeRefusedError):
    code = "would_make_chain"


class HealthCardConflictError(MergeRefusedError):
    code = "health_card_conflict"

    def __init__(self, province: str):
        super().__init__(
            _('Both records have a different %(province)s health card: choose which one the patient keeps '
              '(keep "health_card").') % {"province": province}, "health_card",
        )
        self.province = province
