"""The wristband: 1 x 11 in, read along its length.

From the clasp end: a blank closure zone the snap goes through, a DataMatrix, four
lines of text, and a second DataMatrix so one code faces the scanner however the band
turns on the wrist. The rest is the tail, cut or tucked to the wrist's size.
"""

from __future__ import annotations

from unitboard.printing.facts import BandFacts
from unitboard.printing.layout import Face, LineStyle, MatrixCode
from unitboard.printing.lettering import printable
from unitboard.printing.payload import band_payload
from unitboard.printing.pdf import pdf_of

INCH = 72.0
LENGTH = 11 * INCH
WIDTH = 1 * INCH

CLOSURE = 1.25 * INCH
MATRIX_SIDE = 58.0
GAP = 10.0
TEXT_START = CLOSURE + MATRIX_SIDE + GAP
TEXT_ROOM = 5.25 * INCH

NAME = LineStyle(size=16, smallest=14, bold=True)
IDS = LineStyle(size=10, smallest=9, bold=True)
DETAIL = LineStyle(size=10, smallest=9)
CARE = LineStyle(size=9.5, smallest=9)


def armband_face(facts: BandFacts) -> Face:
    """Where everything on the band goes, in band coordinates (x from the clasp end)."""
    lines = (
        NAME.set_name(facts.family_name, facts.given_name, TEXT_START, 51, TEXT_ROOM),
        DETAIL.set(_born(facts), TEXT_START, 37.5, TEXT_ROOM),
        IDS.set(_ids(facts), TEXT_START, 25, TEXT_ROOM),
        CARE.set(_care(facts), TEXT_START, 12.5, TEXT_ROOM),
    )
    payload = band_payload(facts.mrn, facts.encounter_id)
    y = (WIDTH - MATRIX_SIDE) / 2
    second = TEXT_START + max(line.width for line in lines) + GAP
    matrices = (
        MatrixCode(payload, CLOSURE, y, MATRIX_SIDE),
        MatrixCode(payload, second, y, MATRIX_SIDE),
    )
    return Face(LENGTH, WIDTH, lines, matrices)


def armband_pdf(facts: BandFacts) -> bytes:
    """The band as a one-page PDF, 1 in wide and 11 in tall, as band printers feed it."""
    return pdf_of([armband_face(facts)], title="Patient wristband", turned=True)


def _born(facts: BandFacts) -> str:
    return _spaced(f"DOB {facts.birth_date_text}", f"Sex {facts.sex}")


def _ids(facts: BandFacts) -> str:
    return _spaced(f"MRN {facts.mrn}", f"Encounter {facts.encounter_id}")


def _care(facts: BandFacts) -> str:
    return _spaced(f"Attending {facts.attending}", facts.location or "")


def _spaced(*items: str) -> str:
    return "   ".join(shown for item in items if (shown := printable(item)))
