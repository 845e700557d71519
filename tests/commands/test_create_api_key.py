"""`manage.py create_api_key`: the raw key alone on the last line, and it works against the API."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from organizations.models import ApiKey, hash_api_key
from patients.models import Patient


def run(*args) -> list[str]:
    out = StringIO()
    call_command("create_api_key", *args, stdout=out)
    return out.getvalue().splitlines()


def test_prints_the_new_key_alone_on_the_last_line(organization):
    lines = run("--organization", "maple", "--name", "EMR bridge")

    raw = lines[-1]
    assert raw.startswith("pik_") and " " not in raw
    key = ApiKey.objects.get()
    assert (key.organization, key.name, key.expires_at) == (organization, "EMR bridge", None)
    assert key.key_hash == hash_api_key(raw)
    assert raw not in (key.prefix, key.key_hash)
    assert key.prefix in lines[0] and raw not in lines[0]


def test_the_printed_key_creates_patients_for_its_organization(organization):
    raw = run("--organization", str(organization.pk), "--name", "EMR bridge")[-1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")

    response = client.post("/api/v1/patients", {
        "email": "sam@example.com", "firstName": "Sam", "lastName": "Lee", "gender": "male",
        "phone": "4165550199", "dateOfBirth": "1990-09-30",
    }, format="json")

    assert response.status_code == 201, response.content
    assert Patient.objects.get().organization == organization


def test_expiry(organization):
    run("--organization", "maple", "--name", "Trial", "--expires-in-days", "30")

    expires_at = ApiKey.objects.get().expires_at
    assert timezone.now() + timedelta(days=29) < expires_at < timezone.now() + timedelta(days=31)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--organization", "nope", "--name", "x"], "No organization"),
        (["--organization", "maple", "--name", "  "], "name"),
        (["--organization", "maple", "--name", "x" * 101], "name"),
        (["--organization", "maple", "--name", "x", "--expires-in-days", "0"], "at least 1"),
    ],
)
def test_refuses_bad_options(organization, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not ApiKey.objects.exists()


def test_refuses_an_inactive_organization(organization):
    organization.is_active = False
    organization.save()
    with pytest.raises(CommandError, match="not active"):
        run("--organization", "maple", "--name", "x")


@pytest.mark.parametrize("name", ["MAPLE", " maple "])
def test_organization_slug_in_any_case(organization, name):
    run("--organization", name, "--name", "x")
    assert ApiKey.objects.get().organization == organization
