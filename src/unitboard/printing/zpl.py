"""The wristband in ZPL II for Zebra band printers (203 dpi), the same face as the PDF.

The label is the band stock: `^PW` one inch across, `^LL` eleven inches long, and every
field rotated (`R`) so it reads along the band. Text is sent as UTF-8 (`^CI28`) and
each field through `^FH\\`, with `^`, `~`, `\\` and control characters as `\\XX` hex
escapes, so no name can end a field or start a command. The DataMatrix is generated
by the printer (`^BX`, ECC 200), never sent as a raster image.
"""

from __future__ import annotations

from unitboard.printing.armband import armband_face
from unitboard.printing.facts import BandFacts
from unitboard.printing.layout import MatrixCode, TextLine
from unitboard.printing.symbols import datamatrix_side

DPI = 203
HEX_INDICATOR = "\\"
_NEEDS_HEX = frozenset("^~" + HEX_INDICATOR)
# Font 0's cell reaches below the baseline by about a fifth of its height.
DESCENT = 0.2


def armband_zpl(facts: BandFacts) -> str:
    """One band as a ZPL label format, `^XA` to `^XZ`; send it to the printer as UTF-8."""
    face = armband_face(facts)
    fields = [_text_field(line) for line in face.lines]
    fields += [_matrix_field(matrix) for matrix in face.matrices]
    return "\n".join(
        [
            "^XA",
            "^CI28",
            f"^PW{_dots(face.height)}",
            f"^LL{_dots(face.width)}",
            "^LH0,0",
            *fields,
            "^PQ1",
            "^XZ",
            "",
        ]
    )


def field_data(text: str) -> str:
    """`^FH\\^FD...^FS` with every character ZPL would act on written as hex."""
    return f"^FH{HEX_INDICATOR}^FD{''.join(_escaped(ch) for ch in text)}^FS"


def _escaped(ch: str) -> str:
    if ch in _NEEDS_HEX or not ch.isprintable():
        return "".join(f"{HEX_INDICATOR}{byte:02X}" for byte in ch.encode("utf-8"))
    return ch


def _text_field(line: TextLine) -> str:
    # Band y (up the letters) is the label's x; band x (along the band) is the label's y.
    # Font 0 is the printer's one scalable face, bold and condensed: weight cannot differ.
    height = _dots(line.size)
    left = _dots(line.baseline - DESCENT * line.size)
    return f"^FO{left},{_dots(line.x)}^A0R,{height},{height}" + field_data(line.text)


def _matrix_field(matrix: MatrixCode) -> str:
    modules = datamatrix_side(matrix.payload)
    module_dots = max(1, _dots(matrix.side) // (modules + 2))
    inset = (_dots(matrix.side) - modules * module_dots) // 2
    left = _dots(matrix.y) + inset
    top = _dots(matrix.x) + inset
    # ^BX o,h,s,c,r,f,g: rotated, module size, ECC 200, size chosen by the printer,
    # `_` named as the escape character (the payload never holds one).
    return f"^FO{left},{top}^BXR,{module_dots},200,0,0,6,_" + field_data(matrix.payload)


def _dots(points: float) -> int:
    return round(points * DPI / 72)
