"""Fixtures for patient accounts and contact verification."""

import re

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from patients import sms
from patients.actors import SYSTEM
from patients.services import register_patient

PASSWORD = "Maple-syrup-42!"


@pytest.fixture(autouse=True)
def _clean_slate(settings):
    settings.SMS_BACKEND = "memory"
    sms.outbox.clear()
    cache.clear()  # throttle counters
    yield
    sms.outbox.clear()


def register(organization, *, email="ana.silva@example.com", phone="416 555 0134", password=PASSWORD, **extra):
    data = {
        "given_name": "Ana", "family_name": "Silva", "gender": "female", "date_of_birth": "1985-04-12",
        "email": email, "phone": phone, **extra,
    }
    if password:
        data["password"] = password
    return register_patient(organization, data, actor=SYSTEM, with_account=True)


@pytest.fixture
def account(organization):
    """An active patient of "maple" with a password: username ana.silva@example.com#maple."""
    return register(organization)


@pytest.fixture
def other_account(organization):
    return register(organization, email="ben.okafor@example.com", phone="416 555 0177", given_name="Ben",
                    family_name="Okafor")


@pytest.fixture
def client():
    return APIClient()


def sign_in(client, username="ana.silva@example.com#maple", password=PASSWORD):
    return client.post("/api/v1/patients/sign-in", {"username": username, "password": password}, format="json")


@pytest.fixture
def patient_client(account):
    api = APIClient()
    answer = sign_in(api)
    assert answer.status_code == 200, answer.content
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {answer.json()['token']}")
    api.patient = account
    return api


def last_code(outbox_text: str) -> str:
    return re.search(r"\b(\d{6})\b", outbox_text).group(1)


def email_code(mailoutbox, to) -> str:
    sent = [m for m in mailoutbox if to in m.to]
    assert sent, f"no email to {to}"
    return last_code(sent[-1].body)


def sms_code(to) -> str:
    sent = [m for m in sms.outbox if m.to == to]
    assert sent, f"no SMS to {to}"
    return last_code(sent[-1].body)
