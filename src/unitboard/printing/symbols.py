"""The two barcodes as geometry, from pure-Python encoders (no native barcode library).

DataMatrix comes from pyStrich: reportlab's own ECC 200 encoder only makes 44 x 44
symbols and appends a NUL to payloads of some lengths, which scanners then type.
Code 128 comes from reportlab, which switches to code set C for runs of digits.
"""

from __future__ import annotations

from functools import lru_cache

from pystrich.datamatrix import DataMatrixData, DataMatrixEncoder
from pystrich.marks import SymbolMarks
from reportlab.graphics.barcode.code128 import Code128

QUIET_MODULES_128 = 10


@lru_cache(maxsize=64)
def datamatrix_marks(payload: str) -> SymbolMarks:
    """Dark modules of the ECC 200 symbol, with its one-module quiet zone, y pointing down."""
    encoder = DataMatrixEncoder(DataMatrixData(payload, encoding="ascii"), quiet_zone=1)
    return encoder.init_renderer().get_rect_marks()


def datamatrix_side(payload: str) -> int:
    """Modules along a side of the symbol itself, quiet zone left out."""
    return datamatrix_marks(payload).width - 2


def code128(payload: str, box_width: float, height: float, widest_bar: float) -> Code128:
    """A Code 128 as wide as it may be up to `widest_bar` per module, its quiet zones in."""
    modules = Code128(payload, barWidth=1.0, quiet=False).width + 2 * QUIET_MODULES_128
    bar = min(widest_bar, box_width / modules)
    quiet = QUIET_MODULES_128 * bar
    return Code128(
        payload,
        barWidth=bar,
        barHeight=height,
        quiet=True,
        lquiet=quiet,
        rquiet=quiet,
        humanReadable=False,
    )
