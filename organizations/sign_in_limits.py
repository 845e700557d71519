"""Staff sign-in limits (django-axes): a locked account gets the answer a wrong password gets,
and organization admins unlock the people of their organizations.

The limits themselves (how many failures, for how long, per username and per client address)
are settings: AXES_FAILURE_LIMIT, AXES_COOLOFF_TIME, AXES_LOCKOUT_PARAMETERS.
"""

import ipaddress

from axes.models import AccessAttempt
from django.contrib.auth.hashers import make_password

from patients.client_address import client_address


def same_answer_as_a_wrong_password(request, original_response, credentials=None):
    """Axes' lockout answer: the sign-in page exactly as a wrong password renders it.

    A locked username or address is refused before any password is checked; hashing the sent
    password here keeps the answer as slow as a real check, so timing does not tell either."""
    make_password(request.POST.get("password", "") if request.method == "POST" else "")
    return original_response


def client_ip(request) -> str | None:
    """The client's address as axes stores it (an IP column): None when there is no valid one,
    e.g. a sign-in made by a test client or a management command."""
    try:
        return str(ipaddress.ip_address(client_address(request).strip()))
    except ValueError:
        return None


def unlock_staff_sign_in(*, username: str) -> int:
    """Forget the failed sign-ins of `username` (from every address); returns how many records went."""
    deleted, _ = AccessAttempt.objects.filter(username=username).delete()
    return deleted
