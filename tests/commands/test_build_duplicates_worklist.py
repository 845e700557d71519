"""manage.py build_duplicates_worklist [--organization SLUG]: prints how long it took and how many pairs."""

import re
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from patients.merging.models import DuplicatePair
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command("build_duplicates_worklist", *args, stdout=out)
    return out.getvalue()


def test_prints_the_pairs_found_and_the_time_it_took(organization, other_organization):
    for org in (organization, other_organization):
        PatientFactory.create_batch(2, organization=org, family_name="Roy", date_of_birth=date(1980, 5, 6))

    assert re.fullmatch(r"Found 2 pairs in \d+\.\d\d s\.\n", run())
    assert re.fullmatch(r"Found 1 pairs in \d+\.\d\d s\.\n", run("--organization", "maple"))
    assert DuplicatePair.objects.count() == 2


def test_an_unknown_organization_is_an_error(db):
    with pytest.raises(CommandError, match="nope"):
        run("--organization", "nope")


def test_builds_in_a_fixed_number_of_queries_whatever_the_number_of_patients(organization,
                                                                             django_assert_max_num_queries):
    PatientFactory.create_batch(20, organization=organization, family_name="Roy", date_of_birth=date(1980, 5, 6))
    with django_assert_max_num_queries(8):  # delete, one INSERT ... SELECT, count (+ savepoints)
        out = run("--organization", "maple")
    assert out.startswith("Found 190 pairs")
