"""The import's quick cleaner gives exactly clean_registration's values for every row it accepts,
and leaves every other row (any error, a lead, anything unusual) to clean_registration."""

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from patients.actors import Actor
from patients.cleaning import clean_registration
from patients.errors import PatientRuleError
from patients.importing import import_actor
from patients.importing.quick_clean import QuickCleaner
from patients.models import Channel

TODAY = timezone.localdate()
SAMPLES = {
    "given_name": ["Ana", "  Élodie ", "Jean-Luc", "x" * 151, "A\x00na", "\ud800", "Ö" * 150],
    "family_name": ["Novak", "Tremblay-Côté", " O'Brien ", "y" * 151, "Nguyễn"],
    "preferred_name": ["Lou", " Lou ", "z" * 151],
    "full_name": ["Ana Maria Novak", "Cher", "  ", "w" * 301],
    "referrer": ["Dr. Who", "r" * 201],
    "gender": ["female", "Male", "F", "m", "o", "u", "unknown", "other", "woman", ""],
    "date_of_birth": [
        "1984-02-29", "1985-02-29", "1900-01-01", "1899-12-31", "1111-01-01", "02/03/1985", "1985-3-2",
        TODAY.isoformat(), (TODAY - timedelta(days=1)).isoformat(), (TODAY - timedelta(days=2)).isoformat(),
        (TODAY + timedelta(days=1)).isoformat(), "2999-01-01", " 1970-10-01 ", "",
    ],
    "email": ["ana@example.com", "ANA@Example.COM", "not-an-email", "a@b", "", "é@example.com",
              "x" * 250 + "@example.com"],
    "phone": ["(416) 555-0101", "+1 613 555 0102", "+14165550199", "+17422000001", "416-555-010",
              "555-0101", "+33 1 23 45 67 89", "call me", "+1 (800) 555-0100", "+11234567890", ""],
    "province": ["ON", "on", " qc ", "NY", "XX", ""],
    "emr_id": ["12", "0", "-1", "abc", "9" * 20, "1.0", ""],
    "accepts_marketing": [True, False, "maybe"],
    "has_insurance": [True, False, "yes"],
    "health_card": [
        {"number": "9876543217", "province": "ON", "version_code": "ab", "expiry_date": ""},
        {"number": "9876543217", "province": "ON", "version_code": "", "expiry_date": "2029-06-30"},
        {"number": "1234567890", "province": "ON", "version_code": "", "expiry_date": ""},
        {"number": "9698658215", "province": "BC", "version_code": "", "expiry_date": "2020-01-01"},
        {"number": "TREA84522900", "province": "QC", "version_code": "", "expiry_date": ""},
        {"number": "", "province": "", "version_code": "", "expiry_date": ""},
        {"number": "9876543217", "province": "ZZ", "version_code": "", "expiry_date": "30/06/2029"},
    ],
}
PLAIN_ROW = {
    "given_name": "Élodie", "family_name": "Tremblay-Côté", "gender": "female", "date_of_birth": "1984-02-29",
    "email": "Elodie@Example.com", "phone": "(416) 555-0101", "province": "ON", "accepts_marketing": True,
    "has_insurance": False,
    "health_card": {"number": "9876543217", "province": "ON", "version_code": "ab", "expiry_date": "2029-06-30"},
}
POLICIES = [[], ["email", "health_card"], ["province", "preferred_language"]]

any_rows = st.fixed_dictionaries({}, optional={field: st.sampled_from(values) for field, values in SAMPLES.items()})
# Mostly plain rows with a few fields changed or left out: the rows the quick way sees.
near_plain_rows = st.builds(
    lambda changes, dropped: {k: v for k, v in {**PLAIN_ROW, **changes}.items() if k not in dropped},
    st.fixed_dictionaries({}, optional={field: st.sampled_from(values) for field, values in SAMPLES.items()})
    .filter(lambda changes: len(changes) <= 3),
    st.sets(st.sampled_from(sorted(PLAIN_ROW)), max_size=2),
)
rows = st.one_of(any_rows, near_plain_rows)


def full_result(organization, data, actor, as_lead):
    try:
        return clean_registration(organization, dict(data), actor=actor, as_lead=as_lead), None
    except PatientRuleError as exc:
        return None, exc.errors


def assert_same(organization, quick, data, actor, as_lead):
    values, errors = full_result(organization, data, actor, as_lead)
    for _ in range(2):  # the second time from what the first one remembered
        answer = quick.clean(dict(data), as_lead=as_lead)
        if answer is not None:
            assert errors is None, (data, errors)
            assert answer == values, data
    return answer


@pytest.mark.parametrize("required", POLICIES)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=rows, as_lead=st.booleans(), staff=st.booleans())
def test_quick_values_are_clean_registrations_on_varied_rows(organization, member, required, data, as_lead, staff):
    organization.required_fields = required
    actor = Actor.for_user(member, Channel.IMPORT) if staff else import_actor(command=True)
    assert_same(organization, QuickCleaner(organization, actor=actor), data, actor, as_lead)


@pytest.mark.parametrize("required", POLICIES)
@pytest.mark.parametrize(("field", "value"), [(f, v) for f, values in SAMPLES.items() for v in values])
def test_each_sample_in_a_plain_row(organization, required, field, value):
    organization.required_fields = required
    actor = import_actor(command=True)
    assert_same(organization, QuickCleaner(organization, actor=actor), {**PLAIN_ROW, field: value}, actor, False)


@pytest.mark.parametrize("required", POLICIES[:2])
def test_plain_rows_take_the_quick_way_and_bad_ones_do_not(organization, required):
    organization.required_fields = required
    actor = import_actor(command=True)
    quick = QuickCleaner(organization, actor=actor)
    assert assert_same(organization, quick, PLAIN_ROW, actor, False) is not None
    for field, bad in (("phone", "call me"), ("date_of_birth", "1111-01-01"), ("gender", "woman"),
                       ("given_name", "A\x00na"), ("family_name", "y" * 151), ("province", "XX")):
        assert quick.clean({**PLAIN_ROW, field: bad}, as_lead=False) is None
    assert quick.clean(PLAIN_ROW, as_lead=True) is None  # leads: the full cleaner


def test_an_untrusted_actor_and_other_shapes_take_the_full_cleaner(organization):
    patient = Actor(channel=Channel.IMPORT)
    assert QuickCleaner(organization, actor=patient).clean(PLAIN_ROW, as_lead=False) is None
    quick = QuickCleaner(organization, actor=import_actor(command=True))
    for other in ({"roles": ["patient"]}, {"gender": {"value": "female"}}, {"emr_id": 12},
                  {"health_card": {"number": 9876543217}}):
        assert quick.clean({**PLAIN_ROW, **other}, as_lead=False) is None


def test_a_birth_date_near_today_is_asked_each_time(organization):
    """Only a date safely in the past is remembered: the next day may bring its birthday into the past."""
    quick = QuickCleaner(organization, actor=import_actor(command=True))
    recent = (TODAY - timedelta(days=1)).isoformat()
    assert quick.clean({**PLAIN_ROW, "date_of_birth": recent}, as_lead=False) is not None
    rule = dict(quick.rules)["date_of_birth"]
    assert recent not in rule.answers and "1984-02-29" not in rule.answers
    quick.clean(PLAIN_ROW, as_lead=False)
    assert "1984-02-29" in rule.answers
