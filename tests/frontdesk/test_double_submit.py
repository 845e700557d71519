"""Two submits of one form at the same moment (a double click) save one patient."""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from patients.models import Patient
from tests.frontdesk.data import lead_form, patient_form


def _submit_together(user, url, data, times=2):
    barrier = threading.Barrier(times)
    responses = []

    def submit():
        client = Client()
        client.force_login(user)
        barrier.wait()
        try:
            responses.append(client.post(url, data))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("url", "data"), [(reverse("frontdesk:register"), patient_form()),
                                           (reverse("frontdesk:quick_lead"), lead_form())])
def test_simultaneous_submits_of_one_form_save_one_patient(member, organization, url, data):
    responses = _submit_together(member, url, data, times=3)

    patient = Patient.objects.get()
    assert [r.status_code for r in responses] == [302, 302, 302]
    assert {r["Location"] for r in responses} == {reverse("frontdesk:patient_saved", args=[patient.pk])}
    organization.refresh_from_db()
    assert organization.last_patient_number == (0 if patient.is_lead else 1)
