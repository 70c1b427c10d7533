"""Every kind of response the running server gives carries its security headers: a
Content-Security-Policy with nothing inline, `nosniff`, no referrer, no framing, and
`Cache-Control: no-store` on everything that may carry patient data (all but /static).
HSTS only on a request that came over https, as a proxy uvicorn trusts says."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Iterator

import httpx
import pytest
from e2e_support import create_token
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from test_screens import Hospital, demo_hospital

from unitboard.web.headers import CONTENT_SECURITY_POLICY, SecurityHeaders


@pytest.fixture(scope="module")
def hospital(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hospital]:
    yield from demo_hospital(tmp_path_factory.mktemp("headers"), "headers")


@contextlib.contextmanager
def logged_in(base_url: str, username: str, password: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=10, headers={"Origin": base_url}) as client:
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
        assert csrf is not None
        form = {"csrf": csrf.group(1), "username": username, "password": password}
        assert client.post("/login", data=form).status_code == 303
        yield client


def assert_protected(response: httpx.Response, cache: str = "no-store") -> None:
    what = f"{response.request.method} {response.request.url.path} -> {response.status_code}"
    headers = response.headers
    assert headers.get("x-content-type-options") == "nosniff", what
    assert headers.get("content-security-policy") == CONTENT_SECURITY_POLICY, what
    assert headers.get("referrer-policy") == "same-origin", what
    assert headers.get("x-frame-options") == "DENY", what
    assert headers.get("cache-control") == cache, what
    assert "strict-transport-security" not in headers, what  # plain http


def test_every_kind_of_response_carries_its_headers(hospital: Hospital) -> None:
    base = hospital.server.base_url
    bearer = {"Authorization": f"Bearer {hospital.secretary}"}
    feed = create_token(hospital.server.database_url, "integration", "e2e-headers-feed")
    bed = hospital.free_clean_bed()
    with httpx.Client(base_url=base, timeout=10) as anyone:
        seen = {
            "login page": anyone.get("/login"),
            "health": anyone.get("/healthz"),
            "unknown path": anyone.get("/no-such-page"),
            "API without a token": anyone.get("/api/units/4W/board"),
            "API board": anyone.get("/api/units/4W/board", headers=bearer),
            "API unknown unit": anyone.get("/api/units/NOPE/board", headers=bearer),
            "API events": anyone.get("/api/events", headers={"Authorization": f"Bearer {feed}"}),
            "API invalid command": anyone.post(
                "/api/commands", json={"command": "MarkBedDirty", "data": {}}, headers=bearer
            ),
        }
    with logged_in(base, "secretary", "secretary-demo") as desk:
        seen["station page"] = desk.get("/station/4W")
        seen["bed panel fragment"] = desk.get(
            f"/station/4W/bed/{bed}", headers={"HX-Request": "true"}
        )
        seen["refused fragment"] = desk.post(
            "/station/4W/command", data={"command": "MarkBedDirty"}, headers={"HX-Request": "1"}
        )
    with logged_in(base, "evs", "evs-demo") as evs:
        seen["EVS page"] = evs.get("/evs")

    expected = {
        "login page": 200, "health": 200, "unknown path": 404, "API without a token": 401,
        "API board": 200, "API unknown unit": 404, "API events": 200,
        "API invalid command": 422, "station page": 200, "bed panel fragment": 200,
        "refused fragment": 403, "EVS page": 200,
    }  # fmt: skip
    assert {kind: r.status_code for kind, r in seen.items()} == expected
    assert any(b["patient"] for b in seen["API board"].json()["beds"])  # patient data
    for response in seen.values():
        assert_protected(response)


def test_static_files_are_cached_and_never_sniffed(hospital: Hospital) -> None:
    with httpx.Client(base_url=hospital.server.base_url, timeout=10) as client:
        own = client.get("/static/unitboard.js")
        vendored = client.get("/static/vendor/htmx-2.0.4.min.js")
        missing = client.get("/static/no-such-file.js")
        again = client.get("/static/unitboard.js", headers={"If-None-Match": own.headers["etag"]})
    assert (own.status_code, vendored.status_code, missing.status_code) == (200, 200, 404)
    assert_protected(own, cache="no-cache")  # ours: asked again (ETag) after an upgrade
    assert_protected(vendored, cache="public, max-age=31536000, immutable")  # versioned name
    assert_protected(missing, cache="no-cache")
    assert again.status_code == 304


def test_hsts_only_when_a_trusted_proxy_says_https(hospital: Hospital) -> None:
    base = hospital.server.base_url
    https = {"X-Forwarded-Proto": "https"}
    with httpx.Client(base_url=base, timeout=10) as proxy:  # 127.0.0.1: trusted
        behind_tls = proxy.get("/login", headers=https)
        plain = proxy.get("/login")
    assert behind_tls.headers.get("strict-transport-security") == "max-age=31536000"
    assert "strict-transport-security" not in plain.headers
    assert_protected(plain)

    # the same claim from an address the server does not trust as its proxy is ignored
    untrusted = httpx.HTTPTransport(local_address="127.0.0.2")
    with httpx.Client(base_url=base, timeout=10, transport=untrusted) as stranger:
        claimed = stranger.get("/login", headers=https)
    assert claimed.status_code == 200
    assert "strict-transport-security" not in claimed.headers


def test_the_middleware_sends_hsts_on_https_only() -> None:
    """The rule itself, whatever the proxy flags: the request's scheme decides."""

    async def hello(request: Request) -> Response:
        return PlainTextResponse("hello", headers={"Cache-Control": "max-age=600"})

    app = SecurityHeaders(Starlette(routes=[Route("/", hello)]))

    async def get(base_url: str) -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            return await client.get("/")

    secure, plain = asyncio.run(get("https://unit.test")), asyncio.run(get("http://unit.test"))
    assert secure.headers["strict-transport-security"] == "max-age=31536000"
    assert "strict-transport-security" not in plain.headers
    assert_protected(plain)  # and no-store: the route's own max-age does not win
    assert secure.headers["cache-control"] == "no-store"
