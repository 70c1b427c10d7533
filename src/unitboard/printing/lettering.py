"""Text as the printers can show it.

The PDFs use the standard Helvetica, whose glyphs cover WinAnsi (Windows-1252: all of
Latin-1 plus Œ, Š, Ž, Ÿ, €, curly quotes). Accented names such as Ñúñez or Zoë print as
they are; a letter outside that set (Ł, Ș, 王) is printed as its nearest ASCII spelling
(L, S, Wang) rather than as a missing-glyph box. The ZPL band prints the same text, so
the PDF and the Zebra band always read alike.
"""

from __future__ import annotations

import math
import unicodedata

from anyascii import anyascii
from reportlab.pdfbase.pdfmetrics import stringWidth

REGULAR = "Helvetica"
BOLD = "Helvetica-Bold"
ELLIPSIS = "…"


def printable(text: str) -> str:
    """`text` with every character the fonts lack spelled in ASCII, whitespace collapsed."""
    shown = "".join(_printable_char(ch) for ch in unicodedata.normalize("NFC", text))
    return " ".join(shown.split())


def _printable_char(ch: str) -> str:
    if not ch.isprintable():
        return " "
    try:
        ch.encode("cp1252")
    except UnicodeEncodeError:
        return anyascii(ch) or "?"
    return ch


def text_width(text: str, font: str, size: float) -> float:
    """Width in points of `text` set in `font` at `size`."""
    return float(stringWidth(text, font, size))


def fit(text: str, font: str, size: float, smallest: float, width: float) -> tuple[str, float]:
    """The text and size that fit `width`: smaller first, down to `smallest`, then cut short.

    A name is never set below the size it must be read at; one too long for that is
    ended with an ellipsis so it cannot run into the barcode.
    """
    natural = text_width(text, font, size)
    if natural <= width:
        return text, size
    shrunk = max(smallest, math.floor(size * width / natural * 2) / 2)
    if text_width(text, font, shrunk) <= width:
        return text, shrunk
    return _cut(text, ELLIPSIS, font, smallest, width), smallest


def fit_name(
    family: str, given: str, font: str, size: float, smallest: float, width: float
) -> tuple[str, float]:
    """`FAMILY, Given` fitted as `fit` does, but cut in the family name: the given name,
    one half of the first identifier, stays whole whenever it fits on its own."""
    full = f"{family}, {given}" if given else family
    text, fitted = fit(full, font, size, smallest, width)
    tail = f"{ELLIPSIS}, {given}"
    if not text.endswith(ELLIPSIS) or not given or text_width(tail, font, smallest) > width / 2:
        return text, fitted
    return _cut(family, tail, font, smallest, width), smallest


def _cut(text: str, tail: str, font: str, size: float, width: float) -> str:
    while text and text_width(text.rstrip() + tail, font, size) > width:
        text = text[:-1]
    return text.rstrip() + tail
