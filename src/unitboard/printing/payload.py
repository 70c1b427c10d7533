"""What the barcodes carry, and how a scan is read back.

DataMatrix (band and labels): `MRN/ENCOUNTER`, e.g. `4401187/E1001`.
Code 128 (labels): `MRN`, e.g. `4401187`.

Each field is percent-encoded (RFC 3986) so that the payload holds only `A-Z a-z 0-9
. - %` and the one `/` between the fields: a `/` or `^` inside an MRN cannot move the
split, a keyboard-wedge scanner types the same characters on any keyboard layout (no
dead keys such as `^` or `~`), and neither ZPL's `^`/`~` nor `^BX`'s escape character
`_` can occur in the printer's field data. Plain MRNs and encounter ids (letters,
digits, `-`, `.`) are carried unchanged.
"""

from __future__ import annotations

from typing import NamedTuple
from urllib.parse import quote, unquote

SEPARATOR = "/"


class ScannedIds(NamedTuple):
    mrn: str
    encounter_id: str


def band_payload(mrn: str, encounter_id: str) -> str:
    """The DataMatrix text of a band or label: `MRN/ENCOUNTER`."""
    return f"{_field(mrn)}{SEPARATOR}{_field(encounter_id)}"


def mrn_payload(mrn: str) -> str:
    """The Code 128 text of a label: the MRN, encoded as in the DataMatrix."""
    return _field(mrn)


def read_band_payload(scanned: str) -> ScannedIds:
    """The MRN and encounter of a scanned DataMatrix; ValueError if it is not one of ours.

    The line end or spaces a scanner adds around its output are ignored.
    """
    parts = scanned.strip().split(SEPARATOR)
    if len(parts) != 2 or not all(parts):
        raise ValueError(f"{scanned!r} is not a wristband code (MRN/ENCOUNTER).")
    mrn, encounter_id = (unquote(part, errors="strict") for part in parts)
    return ScannedIds(mrn, encounter_id)


def read_mrn_payload(scanned: str) -> str:
    """The MRN of a scanned label Code 128."""
    text = scanned.strip()
    if not text or SEPARATOR in text:
        raise ValueError(f"{scanned!r} is not a label MRN code.")
    return unquote(text, errors="strict")


def _field(value: str) -> str:
    # quote() leaves `_` and `~` as they are; they are ZPL and ^BX control characters.
    return quote(value, safe="").replace("_", "%5F").replace("~", "%7E")
