"""Helpers of the "Create a Patient" API tests."""

from rest_framework.test import APIClient

PATIENTS_URL = "/api/v1/patients"

VALID_BODY = {
    "email": "jane.doe@example.com",
    "password": "Maple-Syrup-2024!",
    "firstName": "Jane",
    "lastName": "Doe",
    "gender": "female",
    "phone": "416 555 0123",
    "dateOfBirth": "1985-04-12",
}


def detail_url(patient_id) -> str:
    return f"{PATIENTS_URL}/{patient_id}"


def client_with_key(raw_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    return client


def create(client, body, **extra):
    return client.post(PATIENTS_URL, body, format="json", **extra)


def patch(client, patient_id, body, **extra):
    return client.patch(detail_url(patient_id), body, format="json", **extra)


def assert_error(response, status: int, code: str | None = None, fields=()):
    """The one error shape, with `fields` among its error keys."""
    assert response.status_code == status, response.content
    data = response.json()
    assert set(data) == {"status", "code", "message", "errors", "requestId"}, data
    assert data["requestId"] == response["X-Request-ID"]
    assert data["status"] == status
    assert data["message"]
    if code is not None:
        assert data["code"] == code, data
    for field in fields:
        assert field in data["errors"], data
    return data
