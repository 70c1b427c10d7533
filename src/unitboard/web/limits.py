"""Limits on what a request may send, checked before its body is read.

No route takes a file, so a multipart body is refused from its headers alone (Starlette
would otherwise spool it to disk while parsing, before any route could look at it), and no
body may be larger than MAX_BODY_BYTES: a declared length over it is refused at once, and a
body sent without one is cut off when it passes the limit. Forms are read with caps on
fields and on each field's size (`read_form`)."""

from __future__ import annotations

import json
import re

from starlette.datastructures import FormData
from starlette.requests import ClientDisconnect, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 128 * 1024
"""Above the JSON API's own 64 KiB, which answers in its own words first."""
LARGER_BODIES = {"/api/commands": 5 * 1024 * 1024 + 1024}
"""The API takes a whole hospital's layout file (LoadLayout, up to 4 MB of TOML) from a
system's token; it reads a body only once it knows who sent it (web/api.py)."""
MAX_FORM_FIELDS = 100
MAX_FIELD_BYTES = 8 * 1024
FILE_ROUTES: frozenset[str] = frozenset()
"""Paths that take a file upload (multipart): none yet."""
MAX_JSON_DEPTH = 32
"""A command is an object of objects and lists a few levels deep; the standard parser
recurses once per level and fails with a RecursionError at a thousand or so."""
JSON_TOKENS = re.compile(r'"(?:[^"\\]++|\\.)*+"|[\[\]{}]')
"""A JSON string (whose brackets do not count), or a bracket."""


class BodyTooLarge(Exception):
    """The body sent without a declared length grew past the limit."""


async def read_form(request: Request) -> FormData:
    """The request's form, with no files, at most MAX_FORM_FIELDS fields of at most
    MAX_FIELD_BYTES each (Starlette answers 400 beyond). The first read is kept: read
    every form through here."""
    return await request.form(
        max_files=0, max_fields=MAX_FORM_FIELDS, max_part_size=MAX_FIELD_BYTES
    )


def nests_deeper(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON text nests arrays and objects deeper than `limit`: checked before
    parsing, in one pass over its brackets (none when there are too few to matter)."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for match in JSON_TOKENS.finditer(text):
        first = match.group()[0]
        if first in "[{":
            depth += 1
            if depth > limit:
                return True
        elif first in "]}":
            depth -= 1
    return False


class RequestLimits:
    """Pure ASGI middleware: refuses multipart bodies and bodies over the size limit."""

    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope["headers"] if k.lower() in HEADERS}
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if content_type == b"multipart/form-data" and scope["path"] not in FILE_ROUTES:
            message = "This address takes no files: send the form without any attached."
            await refuse(scope, send, 415, "unsupported_media_type", message)
            return
        declared = headers.get(b"content-length", b"")
        limit = LARGER_BODIES.get(scope["path"], self.max_body)
        if declared.isdigit() and int(declared) > limit:
            await refuse(scope, send, 413, "too_large", too_large(limit))
            return
        await self.counted(scope, receive, send, limit)

    async def counted(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Pass the request on, counting its body as the app reads it."""
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge()
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLarge:
            if not started:
                await refuse(scope, send, 413, "too_large", too_large(limit))
        except ClientDisconnect:
            pass  # the body stopped coming (the client left, or was cut off): no one to answer


def too_large(limit: int) -> str:
    return f"The request body is larger than {limit // 1024} KiB."


HEADERS = frozenset({b"content-type", b"content-length"})


async def refuse(scope: Scope, send: Send, status: int, code: str, message: str) -> None:
    """Answer and close the connection: the body the client may still be sending is never
    read. JSON under /api (as every API refusal), plain words elsewhere."""
    if scope["path"].startswith("/api/"):
        body = json.dumps({"error": {"code": code, "message": message}}).encode()
        kind = b"application/json"
    else:
        body = message.encode()
        kind = b"text/plain; charset=utf-8"
    headers = [
        (b"content-type", kind),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
