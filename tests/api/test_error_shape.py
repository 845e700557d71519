"""The v1 error handler: every exception becomes the one documented shape."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DataError
from django.http import Http404
from rest_framework import exceptions

from patients.api.errors import api_exception_handler, rename_errors
from patients.api.patient_serializers import DOMAIN_TO_CONTRACT
from patients.errors import PatientConflictError, PatientRuleError, PossibleDuplicatesError


class ContractView:
    contract_field_names = DOMAIN_TO_CONTRACT


def handle(exc):
    return api_exception_handler(exc, {"view": ContractView()})


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (PatientRuleError({"given_name": ["Required."]}), 400, "invalid"),
        (PatientConflictError({"emr_id": ["Taken."]}), 409, "conflict"),
        (PossibleDuplicatesError([]), 409, "possible_duplicates"),
        (DataError("value too long"), 400, "invalid"),
        (Http404(), 404, "not_found"),
        (PermissionDenied(), 403, "permission_denied"),
        (exceptions.NotAuthenticated(), 401, "not_authenticated"),
        (exceptions.Throttled(wait=30), 429, "throttled"),
        (exceptions.ValidationError({"a": {"b": ["Bad."]}}), 400, "invalid"),
    ],
)
def test_every_exception_gets_the_shape(exc, status, code):
    response = handle(exc)

    assert response.status_code == status
    assert set(response.data) == {"status", "code", "message", "errors"}
    assert (response.data["status"], response.data["code"]) == (status, code)
    assert response.data["message"]


def test_domain_field_names_become_contract_names():
    response = handle(PatientRuleError({
        "given_name": ["a"], "health_card.version_code": ["b"], "date_of_birth": ["c"], "__all__": ["d"],
        "local_phone": ["e"], "unread_notifications": ["f"],
    }))

    assert response.data["errors"] == {
        "firstName": ["a"], "hcCard.versionCode": ["b"], "dateOfBirth": ["c"], "nonFieldErrors": ["d"],
        "phone": ["e"], "unreadNotifications": ["f"],
    }


def test_nested_drf_errors_are_dotted():
    response = handle(exceptions.ValidationError({"hcCard": {"number": ["Bad."]}, "non_field_errors": ["x"]}))
    assert response.data["errors"] == {"hcCard.number": ["Bad."], "nonFieldErrors": ["x"]}


def test_throttled_answer_says_when_to_retry():
    assert handle(exceptions.Throttled(wait=30))["Retry-After"] == "30"


def test_a_view_without_a_field_map_keeps_names():
    assert rename_errors({"health_card.number": ["x"]}, None) == {"health_card.number": ["x"]}


def test_unexpected_exceptions_are_left_to_django():
    assert api_exception_handler(RuntimeError("bug"), {"view": None}) is None


def test_fields_that_share_a_contract_name_show_each_message_once():
    renamed = rename_errors({"local_phone": ["Bad.", "Bad."], "calling_code": ["Bad.", "Wrong code."],
                             "__all__": ["Maybe a duplicate."]}, {"local_phone": "phone", "calling_code": "phone"})
    assert renamed == {"phone": ["Bad.", "Wrong code."], "nonFieldErrors": ["Maybe a duplicate."]}
    assert rename_errors({"__all__": ["x"]}, None, non_field="__all__") == {"__all__": ["x"]}
