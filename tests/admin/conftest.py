"""Admin test helpers: logged-in clients and reading an admin form back as POST data."""

from html.parser import HTMLParser

import pytest
from django.test import Client

from tests.factories import LeadFactory, PatientFactory, PatientGroupFactory, ProviderFactory


@pytest.fixture
def login():
    def log_in(user):
        client = Client()
        client.force_login(user)
        return client

    return log_in


@pytest.fixture
def maple_patient(organization):
    return PatientFactory(organization=organization, given_name="Élodie", family_name="Tremblay",
                          email="elodie@example.com", phone="+14165550101")


@pytest.fixture
def birch_patient(other_organization):
    return PatientFactory(organization=other_organization, given_name="Bruno", family_name="Birchwood",
                          email="bruno@example.com", phone="+14165550202")


@pytest.fixture
def maple_provider(organization):
    return ProviderFactory(organization=organization, name="Dr. Maple")


@pytest.fixture
def birch_provider(other_organization):
    return ProviderFactory(organization=other_organization, name="Dr. Birch")


@pytest.fixture
def maple_group(organization):
    return PatientGroupFactory(organization=organization, name="Maple diabetes")


@pytest.fixture
def birch_group(other_organization):
    return PatientGroupFactory(organization=other_organization, name="Birch diabetes")


@pytest.fixture
def birch_lead(other_organization):
    return LeadFactory(organization=other_organization, given_name="Lena", family_name="Birchlead")


class _FormReader(HTMLParser):
    """Collects what a browser would submit from the forms of a page."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select = None
        self._select_values = []
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.setdefault(name, []).append(a.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "select" and name:
            self._select, self._select_values = name, []
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select].append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data.setdefault(name, []).append("")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data


def form_data(response) -> dict:
    """The fields of the page's forms as the browser would post them (values unchanged)."""
    reader = _FormReader()
    reader.feed(response.content.decode())
    return {k: (v if len(v) != 1 else v[0]) for k, v in reader.data.items() if k != "csrfmiddlewaretoken"}
