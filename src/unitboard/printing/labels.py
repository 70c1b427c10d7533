"""Specimen labels: 2 x 1 in, one label per PDF page as label printers take them.

Name, birth date, MRN and encounter on the left, a DataMatrix of MRN and encounter at
the top right, and a Code 128 of the MRN across the foot for analysers and tube
labellers that read only linear codes. Its bars are 14 mil wide and narrow to fit: an MRN
of up to 12 letters (or 24 digits) keeps them at 10 mil, two dots of a 203 dpi printer;
a longer one prints thinner bars, and the DataMatrix remains the code to scan.
"""

from __future__ import annotations

from unitboard.printing.facts import BandFacts
from unitboard.printing.layout import Face, LinearCode, LineStyle, MatrixCode
from unitboard.printing.lettering import printable
from unitboard.printing.payload import band_payload, mrn_payload
from unitboard.printing.pdf import pdf_of

INCH = 72.0
WIDTH = 2 * INCH
HEIGHT = 1 * INCH
MARGIN = 5.0
MATRIX_SIDE = 36.0
TEXT_ROOM = WIDTH - 2 * MARGIN - MATRIX_SIDE - 4
MOST_LABELS = 100

NAME = LineStyle(size=9, smallest=7, bold=True)
MRN = LineStyle(size=7.5, smallest=7, bold=True)
DETAIL = LineStyle(size=7.5, smallest=7)


def label_face(facts: BandFacts) -> Face:
    """Where everything on one label goes."""
    lines = (
        NAME.set_name(facts.family_name, facts.given_name, MARGIN, 58.5, TEXT_ROOM),
        DETAIL.set(f"DOB {facts.birth_date_text}  {printable(facts.sex)}", MARGIN, 49, TEXT_ROOM),
        MRN.set(printable(f"MRN {facts.mrn}"), MARGIN, 40.5, TEXT_ROOM),
        DETAIL.set(printable(f"Enc {facts.encounter_id}"), MARGIN, 32.5, TEXT_ROOM),
    )
    matrix = MatrixCode(
        band_payload(facts.mrn, facts.encounter_id),
        WIDTH - MARGIN - MATRIX_SIDE,
        HEIGHT - MARGIN - MATRIX_SIDE,
        MATRIX_SIDE,
    )
    linear = LinearCode(mrn_payload(facts.mrn), MARGIN, MARGIN, WIDTH - 2 * MARGIN, 22)
    return Face(WIDTH, HEIGHT, lines, (matrix,), linear)


def labels_pdf(facts: BandFacts, count: int = 10) -> bytes:
    """`count` identical labels, one 2 x 1 in page each."""
    if not 1 <= count <= MOST_LABELS:
        raise ValueError(f"Print 1 to {MOST_LABELS} labels at a time, not {count}.")
    return pdf_of([label_face(facts)] * count, title="Specimen labels", turned=False)
