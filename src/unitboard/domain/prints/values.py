"""What can be printed for a stay, and what a person reads for each."""

from __future__ import annotations

from typing import Literal, get_args

Document = Literal["armband_pdf", "armband_zpl", "labels_pdf"]
DOCUMENTS: tuple[Document, ...] = get_args(Document)
DOCUMENT_LABELS: dict[str, str] = {
    "armband_pdf": "Armband (PDF)",
    "armband_zpl": "Armband (Zebra ZPL)",
    "labels_pdf": "Specimen labels (PDF)",
}
