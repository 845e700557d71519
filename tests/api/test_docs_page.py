"""The browsable API docs page loads every asset from this app, never from a CDN."""

import re


def test_docs_page_serves_its_assets_itself(client, db):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    asset_urls = re.findall(r'(?:src|href)="([^"]+)"', html) + re.findall(r"""['"](https?://[^'"]+)['"]""", html)
    assert any("swagger-ui" in url for url in asset_urls)
    external = [url for url in asset_urls if url.startswith(("http://", "https://", "//"))]
    assert external == []
