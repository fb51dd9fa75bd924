"""/docs and /redoc render without internet: every file they load comes from the service."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from anomalia.service.routers.docs import ASSETS, ASSETS_URL


class _Links(HTMLParser):
    """Every URL a page makes the browser load: src and href attributes, and url(...) in CSS."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in ("src", "href") and value]

    def handle_data(self, data: str) -> None:
        self.urls += re.findall(r"url\(\s*['\"]?([^'\")]+)", data)
        # Swagger UI's start-up script names the spec it fetches.
        self.urls += re.findall(r"url:\s*'([^']+)'", data)


def page_urls(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.urls


@pytest.fixture
def server(start_server):
    # With the key on, as in production: the docs stay readable without it.
    return start_server(wait_ready=False, api_key="secret")


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_page_loads_only_from_the_service(server, page):
    host = urlsplit(server.url).netloc
    with server.client() as client:
        response = client.get(page)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        urls = page_urls(response.text)
        scripts = [url for url in urls if url.endswith(".js")]
        assert scripts, f"{page} loads no script"
        for url in urls:
            absolute = urljoin(server.url + page, url)
            assert urlsplit(absolute).netloc == host, f"{page} loads {url} from off-host"
            assert client.get(absolute).status_code == 200, f"{page}: {url} is not served"
        assert "fonts.googleapis" not in response.text
        assert "cdn." not in response.text


def test_swagger_ui_sends_the_spec_to_no_validator(server):
    with server.client() as client:
        html = client.get("/docs").text
    assert '"validatorUrl": null' in html


def test_assets_are_the_real_files_with_their_types(server):
    with server.client() as client:
        for name, media_type in ASSETS.items():
            response = client.get(f"{ASSETS_URL}/{name}")
            assert response.status_code == 200
            assert response.headers["content-type"].startswith(media_type)
            assert len(response.content) > 1000
        bundle = client.get(f"{ASSETS_URL}/swagger-ui-bundle.js").text
        assert "SwaggerUIBundle" in bundle
        assert "Redoc" in client.get(f"{ASSETS_URL}/redoc.standalone.js").text


@pytest.mark.parametrize("name", ["../main.py", "..%2F..%2Fsettings.py", "core.py", "x.js"])
def test_only_the_listed_assets_are_served(server, name):
    with server.client() as client:
        assert client.get(f"{ASSETS_URL}/{name}").status_code == 404


def test_openapi_spec_is_readable_without_the_key(server):
    with httpx.Client(base_url=server.url, timeout=30) as client:  # no key sent
        assert client.get("/openapi.json").json()["info"]["title"] == "anomalia"
        assert client.get("/models").status_code == 401
