"""Every page answers with a Content-Security-Policy that allows no inline script or style without the
nonce, and a Permissions-Policy that switches off what a registration desk never uses."""

import pytest


@pytest.mark.parametrize("path", ["/login/", "/admin/login/", "/api/docs/", "/patients/"])
def test_html_pages_carry_a_strict_content_security_policy(client, member, path):
    client.force_login(member)
    policy = client.get(path)["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))

    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    for kind in ("script-src", "style-src"):
        assert "'unsafe-inline'" not in directives[kind]
        assert "'unsafe-eval'" not in directives[kind]
        assert "http" not in directives[kind]  # nothing from another origin


def test_the_nonce_in_the_policy_is_the_one_on_the_page(client):
    response = client.get("/api/docs/")
    nonce = response["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.content.decode()
    assert client.get("/api/docs/")["Content-Security-Policy"] != response["Content-Security-Policy"]


def test_pages_switch_off_camera_microphone_and_location(client):
    policy = client.get("/login/")["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in policy
