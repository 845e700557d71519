"""API keys in the admin: issued (the raw key shown once), named, expiring, revoked, last use shown."""

import datetime

from django.urls import reverse
from django.utils import timezone

from organizations.models import ApiKey, hash_api_key
from tests.admin.conftest import form_data

ADD = reverse("admin:organizations_apikey_add")
LIST = reverse("admin:organizations_apikey_changelist")


def test_issuing_a_key_shows_it_once_then_only_its_prefix(login, owner, organization):
    client = login(owner)
    response = client.post(ADD, {"organization": str(organization.pk), "name": "Lab sync",
                                 "expires_at_0": "2099-01-01", "expires_at_1": "00:00:00"}, follow=True)
    assert response.status_code == 200
    key = ApiKey.objects.get(name="Lab sync")
    shown = [str(m) for m in response.context["messages"]]
    raw = next(m for m in shown if "pik_" in m).split('<code class="new-api-key">')[1].split("</code>")[0]
    assert raw.startswith("pik_" + key.prefix) and hash_api_key(raw) == key.key_hash
    assert key.organization == organization and key.created_by == owner
    assert key.expires_at.year == 2099

    again = client.get(reverse("admin:organizations_apikey_change", args=[key.pk])).content.decode()
    assert raw not in again and f"pik_{key.prefix}" in again
    assert raw not in client.get(LIST).content.decode()


def test_a_key_cannot_be_issued_for_another_organization(login, owner, other_organization):
    response = login(owner).post(ADD, {"organization": str(other_organization.pk), "name": "Sneaky"})
    assert response.status_code == 200
    assert "organization" in response.context["adminform"].form.errors
    assert not ApiKey.objects.filter(name="Sneaky").exists()


def test_renaming_and_setting_an_expiry(login, owner, api_key):
    client = login(owner)
    url = reverse("admin:organizations_apikey_change", args=[api_key.pk])
    data = form_data(client.get(url))
    data.update({"name": "EMR bridge (old)", "expires_at_0": "2030-06-01", "expires_at_1": "12:00:00"})
    assert client.post(url, data).status_code == 302
    api_key.refresh_from_db()
    assert api_key.name == "EMR bridge (old)" and api_key.expires_at.year == 2030
    assert api_key.key_hash == hash_api_key(api_key.raw)  # the secret itself never changes


def test_revoking_selected_keys(login, owner, api_key, other_api_key):
    client = login(owner)
    response = client.post(LIST, {"action": "revoke_selected", "_selected_action": [str(api_key.pk),
                                                                                   str(other_api_key.pk)]},
                           follow=True)
    assert response.status_code == 200
    api_key.refresh_from_db()
    other_api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    assert other_api_key.revoked_at is None  # another organization's key is out of reach
    assert "Revoked 1 API key" in " ".join(str(m) for m in response.context["messages"])


def test_the_list_shows_state_and_last_use(login, owner, api_key, organization):
    used = timezone.now() - datetime.timedelta(hours=2)
    ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=used)
    page = login(owner).get(LIST)
    text = page.content.decode()
    assert "Usable" in text and f"pik_{api_key.prefix}" in text
    assert page.context["cl"].result_list[0].last_used_at == used
    assert list(login(owner).get(LIST, {"state": "revoked"}).context["cl"].result_list) == []


def test_organization_admins_revoke_rather_than_delete(login, owner, superuser, api_key):
    url = reverse("admin:organizations_apikey_delete", args=[api_key.pk])
    assert login(owner).get(url).status_code == 403
    assert login(superuser).get(url).status_code == 200
