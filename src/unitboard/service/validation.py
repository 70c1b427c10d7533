"""Turn pydantic's validation errors into one sentence a person can read."""

from __future__ import annotations

from pydantic import ValidationError

_PLAIN = {
    "missing": "is required",
    "extra_forbidden": "is not a field of this command",
    "date_from_datetime_parsing": "must be a real date written YYYY-MM-DD",
    "date_parsing": "must be a real date written YYYY-MM-DD",
    "timezone_aware": "must be a time with its UTC offset, e.g. 2026-05-01T14:30:00+02:00",
}


def describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        field = ".".join(str(p) for p in error["loc"]) or "data"
        plain = _PLAIN.get(error["type"])
        if plain is None and error["type"].startswith("datetime"):
            plain = _PLAIN["timezone_aware"]
        elif plain is None and error["type"].startswith("date"):
            plain = "must be a real date written YYYY-MM-DD"
        parts.append(f"{field} {plain}" if plain else f"{field}: {error['msg']}")
    return "; ".join(parts) + "."
