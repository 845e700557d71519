"""The whole log in the admin: read-only for everyone, scoped per organization, filters and CSV."""

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from patients.access_log import AccessAction, AccessEvent, record_access
from patients.actors import Actor
from patients.models import Channel
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

LIST = reverse("admin:access_log_accessevent_changelist")
EXPORT = reverse("admin:access_log_accessevent_export")


def _client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def trail(organization, other_organization, member, api_key, outsider):
    maple = PatientFactory(organization=organization, given_name="Élodie")
    maple2 = PatientFactory(organization=organization)
    birch = PatientFactory(organization=other_organization)
    def logged(**kwargs):
        record_access(**kwargs)
        return AccessEvent.objects.latest("id")

    return {
        "desk": logged(actor=Actor.for_user(member), patient=maple, action=AccessAction.VIEW),
        "key": logged(actor=Actor.for_api_key(api_key), patient=maple2, action=AccessAction.SEARCH),
        "birch": logged(actor=Actor.for_user(outsider, Channel.ADMIN), patient=birch, action=AccessAction.VIEW),
    }


def _shown(response):
    assert response.status_code == 200
    return {e.pk for e in response.context["cl"].result_list}


def test_an_organization_admin_sees_only_their_organizations_events(owner, trail):
    assert _shown(_client(owner).get(LIST)) == {trail["desk"].pk, trail["key"].pk}


def test_a_superuser_sees_every_event(superuser, trail):
    assert _shown(_client(superuser).get(LIST)) == {e.pk for e in trail.values()}


def test_front_desk_staff_get_no_log(member, trail):
    assert _client(member).get(LIST).status_code == 403


def test_another_organizations_event_answers_404(owner, trail):
    url = reverse("admin:access_log_accessevent_change", args=[trail["birch"].pk])
    assert _client(owner).get(url).status_code == 404


@pytest.mark.parametrize("user_fixture", ["owner", "superuser"])
def test_nobody_changes_adds_or_deletes_in_the_admin(request, user_fixture, trail):
    client = _client(request.getfixturevalue(user_fixture))
    event = trail["desk"]
    change = reverse("admin:access_log_accessevent_change", args=[event.pk])
    page = client.get(change)
    assert page.status_code == 200 and b'name="_save"' not in page.content  # a view-only page
    client.post(change, {"action": "export", "actor_label": "someone else"})
    assert client.get(reverse("admin:access_log_accessevent_delete", args=[event.pk])).status_code == 403
    assert client.post(reverse("admin:access_log_accessevent_delete", args=[event.pk]), {"post": "yes"}
                       ).status_code == 403
    assert client.get(reverse("admin:access_log_accessevent_add")).status_code == 403
    client.post(LIST, {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"})
    stored = AccessEvent.objects.get(pk=event.pk)
    assert (stored.action, stored.actor_label) == ("view", "member (Intake form)")
    assert AccessEvent.objects.count() == 3


def test_filter_by_patient(owner, trail):
    shown = _shown(_client(owner).get(LIST, {"patient": str(trail["desk"].patient_id)}))
    assert shown == {trail["desk"].pk}


def test_filter_by_patient_number_in_the_search_box(owner, trail):
    shown = _shown(_client(owner).get(LIST, {"q": str(trail["key"].patient.patient_number)}))
    assert shown == {trail["key"].pk}


def test_filter_by_user_or_key(owner, member, api_key, trail):
    client = _client(owner)
    assert _shown(client.get(LIST, {"actor": f"user:{member.pk}"})) == {trail["desk"].pk}
    assert _shown(client.get(LIST, {"actor": f"key:{api_key.pk}"})) == {trail["key"].pk}
    assert _shown(client.get(LIST, {"actor": "key:not-a-uuid"})) == set()


def test_filter_by_date(owner, trail):
    client = _client(owner)
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)  # as the filter's links
    assert _shown(client.get(LIST, {"at__gte": str(today), "at__lt": str(today + timedelta(days=1))})) == {
        trail["desk"].pk, trail["key"].pk}
    assert _shown(client.get(LIST, {"at__gte": str(today + timedelta(days=1))})) == set()


def test_the_log_names_no_patient(owner, trail):
    # Reading the log is not reading records: patients appear by number, never by name.
    client = _client(owner)
    assert "Élodie" not in client.get(LIST).content.decode()
    page = client.get(reverse("admin:access_log_accessevent_change", args=[trail["desk"].pk])).content.decode()
    assert f"#{trail['desk'].patient.patient_number}" in page and "Élodie" not in page


def test_csv_export_follows_the_filters_and_the_scope(owner, member, trail):
    client = _client(owner)
    page = client.get(LIST, {"actor": f"user:{member.pk}"})
    assert f'{EXPORT}?actor=user%3A{member.pk}' in page.content.decode()
    response = client.get(EXPORT, {"actor": f"user:{member.pk}"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(r["patient_id"], r["action"], r["actor"], r["door"]) for r in rows] == [
        (str(trail["desk"].patient_id), "view", "member (Intake form)", "intake")]
    everything = client.get(EXPORT)
    rows = list(csv.DictReader(io.StringIO(b"".join(everything.streaming_content).decode())))
    assert {r["organization"] for r in rows} == {"maple"} and len(rows) == 2


def test_front_desk_staff_cannot_export_the_log(member, trail):
    response = _client(member).get(EXPORT)
    assert response.status_code in (302, 403)
    assert b"Intake form" not in b"".join(getattr(response, "streaming_content", [response.content]))
