"""Pages load their styles and scripts from this app, with DEBUG off (WhiteNoise), never from a CDN."""

from django.test import Client


def test_the_stylesheet_is_served_by_the_app_with_debug_off(db, settings):
    assert settings.DEBUG is False

    response = Client().get("/static/frontdesk/site.css")

    assert response.status_code == 200
    assert b"".join(response.streaming_content)


def test_the_sign_in_page_links_only_local_assets(db):
    html = Client().get("/login/").content.decode()

    assert "/static/frontdesk/site.css" in html
    assert "http://" not in html and "https://" not in html and "//cdn" not in html
