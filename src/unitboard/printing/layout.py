"""A printed face as data: where each line of text and each barcode goes.

Laying out once and drawing twice (PDF, ZPL) keeps the Zebra band and the PDF band
alike. Coordinates are points (1/72 in) in reading orientation: x to the right along
the text, y up, origin at the lower-left corner of the face.
"""

from __future__ import annotations

from dataclasses import dataclass

from unitboard.printing.lettering import BOLD, REGULAR, fit, fit_name, printable, text_width


@dataclass(frozen=True, slots=True)
class TextLine:
    text: str
    bold: bool
    size: float
    x: float
    baseline: float

    @property
    def font(self) -> str:
        return BOLD if self.bold else REGULAR

    @property
    def width(self) -> float:
        return text_width(self.text, self.font, self.size)


@dataclass(frozen=True, slots=True)
class MatrixCode:
    """A DataMatrix drawn in a square whose side includes its one-module quiet zone."""

    payload: str
    x: float
    y: float
    side: float


@dataclass(frozen=True, slots=True)
class LinearCode:
    """A Code 128 centred in a box, quiet zones included."""

    payload: str
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True, slots=True)
class Face:
    width: float
    height: float
    lines: tuple[TextLine, ...]
    matrices: tuple[MatrixCode, ...]
    linear: LinearCode | None = None


@dataclass(frozen=True, slots=True)
class LineStyle:
    """How one line is set: its size, the least it may shrink to, and its weight."""

    size: float
    smallest: float
    bold: bool = False

    @property
    def font(self) -> str:
        return BOLD if self.bold else REGULAR

    def set(self, text: str, x: float, baseline: float, width: float) -> TextLine:
        shown, size = fit(text, self.font, self.size, self.smallest, width)
        return TextLine(shown, self.bold, size, x, baseline)

    def set_name(
        self, family: str, given: str, x: float, baseline: float, width: float
    ) -> TextLine:
        """`FAMILY, Given`, family in capitals; a name too long is cut in the family name."""
        # Capitals again after spelling: 王 is spelled "Wang", and a family name is in capitals.
        capitals = printable(family.upper()).upper()
        shown, size = fit_name(
            capitals, printable(given), self.font, self.size, self.smallest, width
        )
        return TextLine(shown, self.bold, size, x, baseline)
