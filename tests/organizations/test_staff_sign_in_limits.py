"""Staff sign-in (/login/ and /admin/login/) is limited per username and per client address (django-axes,
state in the database): a locked account is refused even with the right password, with the very answer a
wrong password gets, until an organization admin or a superuser unlocks it."""

import re

import pytest
from axes.models import AccessAttempt
from django.test import Client

RIGHT = "front-desk-pass-1!"  # tests.factories.UserFactory
WRONG = "not-the-password-1!"
LIMIT = 5


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT


def post(url, username, password, address="10.0.0.1"):
    return Client(REMOTE_ADDR=address).post(url, {"username": username, "password": password})


def page_without_tokens(response) -> str:
    """The page as a reader sees it: the CSRF token and CSP nonce change with every answer."""
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r'nonce="[^"]+"', "", html)


def signed_in(response) -> bool:
    return response.status_code == 302


@pytest.mark.parametrize("url", ["/login/", "/admin/login/"])
def test_a_locked_account_is_refused_with_the_right_password_and_the_answer_of_a_wrong_one(url, owner):
    for _ in range(LIMIT):
        assert post(url, owner.username, WRONG).status_code == 200

    locked = post(url, owner.username, RIGHT)
    wrong = post(url, owner.username, WRONG)

    assert not signed_in(locked)
    assert locked.status_code == wrong.status_code == 200
    assert page_without_tokens(locked) == page_without_tokens(wrong)
    assert "correct username and password" in page_without_tokens(locked)


def test_fewer_failures_than_the_limit_do_not_lock_and_a_success_resets_them(owner):
    for _ in range(LIMIT - 1):
        post("/login/", owner.username, WRONG)
    assert signed_in(post("/login/", owner.username, RIGHT))
    for _ in range(LIMIT - 1):
        post("/login/", owner.username, WRONG)
    assert signed_in(post("/login/", owner.username, RIGHT))


def test_one_address_trying_many_usernames_is_locked_out(owner, member):
    for number in range(LIMIT):
        post("/login/", f"guess-{number}", WRONG, address="10.6.6.6")

    assert not signed_in(post("/login/", member.username, RIGHT, address="10.6.6.6"))
    assert signed_in(post("/login/", member.username, RIGHT, address="10.0.0.2"))


def test_a_locked_username_is_locked_from_every_address(owner):
    for number in range(LIMIT):
        post("/login/", owner.username, WRONG, address=f"10.0.1.{number}")

    assert not signed_in(post("/login/", owner.username, RIGHT, address="10.0.2.1"))


def test_the_failures_are_kept_in_the_database(owner):
    for _ in range(2):
        post("/login/", owner.username, WRONG)
    attempt = AccessAttempt.objects.get(username=owner.username)
    assert attempt.failures_since_start == 2
    assert WRONG not in attempt.post_data


LOCKS = "/admin/organizations/staffsigninfailures/"


def lock(user):
    """Lock `user`'s username from an address of its own (so that no address lock is involved)."""
    address = f"10.9.{len(user.username)}.{sum(map(ord, user.username)) % 250}"
    for _ in range(LIMIT):
        post("/login/", user.username, WRONG, address=address)
    assert not signed_in(post("/login/", user.username, RIGHT, address=address))


def test_an_organization_admin_unlocks_a_member(client, owner, member, outsider):
    lock(member)
    lock(outsider)
    client.force_login(owner)

    listed = client.get(LOCKS)
    assert member.username in listed.content.decode()
    assert outsider.username not in listed.content.decode()  # another organization's person

    ids = [str(pk) for pk in AccessAttempt.objects.filter(username=member.username).values_list("pk", flat=True)]
    client.post(LOCKS, {"action": "unlock_selected", "_selected_action": ids})

    assert signed_in(post("/login/", member.username, RIGHT))
    assert not signed_in(post("/login/", outsider.username, RIGHT))


def test_an_organization_admin_cannot_unlock_another_organizations_person(client, owner, outsider):
    lock(outsider)
    client.force_login(owner)
    attempts = AccessAttempt.objects.filter(username=outsider.username)
    outsiders = [str(pk) for pk in attempts.values_list("pk", flat=True)]

    client.post(LOCKS, {"action": "unlock_selected", "_selected_action": outsiders})

    assert AccessAttempt.objects.filter(username=outsider.username).exists()
    assert client.get(f"{LOCKS}{outsiders[0]}/change/").status_code in (302, 403, 404)


def test_a_superuser_sees_and_unlocks_everyone(client, superuser, outsider):
    lock(outsider)
    client.force_login(superuser)
    assert outsider.username in client.get(LOCKS).content.decode()

    ids = [str(pk) for pk in AccessAttempt.objects.values_list("pk", flat=True)]
    client.post(LOCKS, {"action": "unlock_selected", "_selected_action": ids})

    assert signed_in(post("/login/", outsider.username, RIGHT))


def test_front_desk_staff_have_no_unlock_page(client, member):
    client.force_login(member)
    assert client.get(LOCKS).status_code in (302, 403)


def test_a_sign_in_without_a_client_address_is_recorded_without_one(client, owner):
    """A request without REMOTE_ADDR (test clients, scripts) must not break the IP column (PostgreSQL's inet)."""
    from django.test import RequestFactory

    from organizations.sign_in_limits import client_ip

    request = RequestFactory().get("/login/")
    del request.META["REMOTE_ADDR"]
    assert client_ip(request) is None
    client.force_login(owner)  # records a successful sign-in
    assert client.get("/patients/").status_code == 200
