"""Patient wristbands and specimen labels, rendered to bytes; nothing here prints or records.

- `armband_pdf(facts)`: the band, a 1 x 11 in PDF page, text along the band.
- `armband_zpl(facts)`: the same band in ZPL II for Zebra band printers (203 dpi).
- `labels_pdf(facts, count=10)`: specimen labels, one 2 x 1 in PDF page per label.

Each shows the two identifiers a nurse checks, name (FAMILY in capitals, Given) with
date of birth, and MRN, plus the encounter (and on the band the attending and, when
given, the bed). Text is at least 14 pt for the name on the band and 9 pt for the rest;
at least 7 pt on labels.

Barcodes (see `unitboard.printing.payload`):
- DataMatrix on band and labels: `MRN/ENCOUNTER`, each field percent-encoded, e.g.
  `4401187/E1001`; `read_band_payload(scan)` gives back the MRN and the encounter.
- Code 128 on labels: the MRN, encoded the same way; `read_mrn_payload(scan)`.
"""

from unitboard.printing.armband import armband_pdf
from unitboard.printing.facts import BandFacts
from unitboard.printing.labels import labels_pdf
from unitboard.printing.payload import (
    ScannedIds,
    band_payload,
    mrn_payload,
    read_band_payload,
    read_mrn_payload,
)
from unitboard.printing.zpl import armband_zpl

__all__ = [
    "BandFacts",
    "ScannedIds",
    "armband_pdf",
    "armband_zpl",
    "band_payload",
    "labels_pdf",
    "mrn_payload",
    "read_band_payload",
    "read_mrn_payload",
]
