"""`clean_registration` for the plain rows of an import file, at a fraction of its cost.

A file's rows all have the same shape: text cells, two flags and a health card. For such a row
the cleaner's generic steps are known in advance, so this runs only its field rules, on the same
PatientCleaner, and remembers the answers of the rules that depend on nothing but their value
(gender, province, phone, a date of birth safely in the past) for the rows after.

Anything unusual (a lead, an actor that is not trusted, a column the shape does not have,
unstorable text, any error at all) is answered None: the caller then runs clean_registration,
which gives the values or the errors. So every error comes from the full cleaner; this only has to
give the same values for the rows it accepts, which tests/patients/test_quick_clean.py checks
against clean_registration on many rows, good and bad.
"""

from datetime import timedelta

from django.utils import timezone

from patients import validation as v
from patients.cleaning import PatientCleaner, missing_for_full_patient

# The keys RowChecker puts in a row's data (see rows.py); any other key takes the full cleaner.
ROW_KEYS = frozenset({
    "given_name", "family_name", "preferred_name", "full_name", "gender", "date_of_birth", "email", "phone",
    "province", "emr_id", "referrer", "accepts_marketing", "has_insurance", "health_card",
})
_REMEMBERED_LIMIT = 50_000  # distinct values per rule (a phone per patient, in a large file)
_REFUSED = object()


class _Remembered:
    """A rule of one value, with its answers kept; _REFUSED when the rule raised FieldError."""

    def __init__(self, rule, *args, keep=None):
        self.rule = rule
        self.args = args
        self.keep = keep  # which answers may be kept (default: all)
        self.answers: dict = {}

    def __call__(self, value):
        if type(value) is not str:
            return _REFUSED  # not what a file holds: the full cleaner
        answer = self.answers.get(value)
        if answer is not None:
            return answer
        try:
            answer = self.rule(value, *self.args)
        except v.FieldError:
            return _REFUSED
        if self.keep is None or self.keep(answer):
            if len(self.answers) >= _REMEMBERED_LIMIT:
                self.answers.clear()
            self.answers[value] = answer
        return answer


class QuickCleaner:
    """Cleans the rows of one import (for one organization and actor), while the import runs."""

    def __init__(self, organization, *, actor):
        self.organization = organization
        self.actor = actor
        self.usable = actor.is_trusted  # an untrusted actor's checks (_check_trust) are left to the full cleaner
        # A date of birth before the day before yesterday (UTC) is in the past in every time zone and
        # stays so: its answer can be kept. A later one is asked each time (it may be today or tomorrow).
        settled = timezone.now().date() - timedelta(days=2)
        # The field rules clean() takes for a row's fields; a phone alone (no region, no parts) is
        # what _clean_phone reads with the organization's region.
        self.rules = (
            ("gender", _Remembered(v.clean_gender)),
            ("date_of_birth", _Remembered(v.clean_date_of_birth, keep=lambda born: born and born < settled)),
            ("email", _Remembered(v.clean_email, keep=lambda email: False)),  # one per patient: nothing to keep
            ("province", _Remembered(v.clean_province)),
            ("phone", _Remembered(v.clean_phone, organization.default_phone_region)),
        )

    def clean(self, data: dict, *, as_lead: bool) -> dict | None:
        """The values clean_registration gives for `data`, or None: ask clean_registration."""
        if as_lead or not self.usable or not data.keys() <= ROW_KEYS or not self._plain(data):
            return None
        cleaner = PatientCleaner(self.organization, data, actor=self.actor)
        values = cleaner.values
        cleaner._clean_texts()
        for field, rule in self.rules:
            if field in data:
                answer = rule(data[field])
                if answer is _REFUSED:
                    return None
                values[field] = answer
        cleaner._clean_flags()
        if "emr_id" in data:
            cleaner._clean_emr_id(data["emr_id"])
        cleaner._clean_names()
        cleaner._clean_account()
        cleaner._clean_health_card()
        cleaner._check_trust()
        if cleaner.errors or missing_for_full_patient(self.organization, values):
            return None
        return values

    @staticmethod
    def _plain(data: dict) -> bool:
        """Texts and flags (and a card of texts), none of them holding text no database can store."""
        texts = []
        for key, value in data.items():
            if type(value) is str:
                texts.append(value)
            elif key == "health_card" and type(value) is dict:
                if not all(type(k) is str and type(t) is str for k, t in value.items()):
                    return False
                texts.extend(value)
                texts.extend(value.values())
            elif type(value) is not bool:
                return False
        return not v.has_unstorable_text("".join(texts))
