"""The security headers every HTTP response carries, set in one place.

Screens are server-rendered HTML with htmx: every script and style comes from /static, so the
Content-Security-Policy allows nothing inline and nothing from elsewhere (htmx's eval and its
script-in-swap are switched off in base.html to match). Pages, fragments and the JSON API carry
patient data, so no browser or proxy may keep a copy (`no-store`); only /static is cached.
HSTS goes out only on a request that arrived over https (directly, or from a proxy uvicorn
trusts to say so in X-Forwarded-Proto): on plain http it would mean nothing, and a browser
ignores it there anyway.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",  # CSP3: 'self' covers ws:// and wss:// to the same host
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "object-src 'none'",
    ]
)

EVERY_RESPONSE = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # Not no-referrer: under it browsers send `Origin: null` on their own same-origin POSTs,
    # which the Origin check must refuse. same-origin tells nothing to any other site.
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}

STATIC = "/static/"
VERSIONED = "/static/vendor/"  # each file's name carries its version: never changes in place
NOTHING_KEPT = "no-store"
KEPT_FOR_A_YEAR = "public, max-age=31536000, immutable"
KEPT_BUT_CHECKED = "no-cache"  # unitboard's own css/js: revalidated (ETag) on every load
HSTS = "max-age=31536000"


def cache_control(path: str) -> str:
    if path.startswith(VERSIONED):
        return KEPT_FOR_A_YEAR
    if path.startswith(STATIC):
        return KEPT_BUT_CHECKED
    return NOTHING_KEPT


class SecurityHeaders:
    """Pure ASGI middleware: adds the headers above to each HTTP response as it starts,
    replacing any a route set, so no route can forget them or weaken them by accident."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = dict(EVERY_RESPONSE)
        extra["Cache-Control"] = cache_control(scope["path"])
        if scope.get("scheme") == "https":
            extra["Strict-Transport-Security"] = HSTS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
