"""Photo-like pictures of a band and of labels, for the README and for a quick look.

`python -m unitboard.printing.preview [FOLDER]` writes `armband.png` and `labels.png`
for a demo patient (default folder `docs/printing`). Rasterising a PDF needs pypdfium2,
a development dependency, so it is imported only when a picture is asked for.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter

from unitboard.printing.armband import CLOSURE, INCH, armband_pdf
from unitboard.printing.facts import BandFacts
from unitboard.printing.labels import labels_pdf

DEMO = BandFacts(
    family_name="Quarshie",
    given_name="Abena",
    birth_date="1958-03-14",
    sex="F",
    mrn="4401187",
    encounter_id="E1001",
    attending="Dr. Patel",
    location="4 West 401-A",
)

TABLE = (226, 232, 236)
BAND = (252, 252, 249)
EDGE = (196, 204, 209)
LINER = (238, 228, 196)
SNAP = (236, 240, 243)


def pdf_pages_png(pdf: bytes, dpi: int) -> list[Image.Image]:
    """Each page of `pdf` as an RGB image at `dpi`."""
    try:
        import pypdfium2
    except ImportError as missing:
        raise RuntimeError("Pictures of PDFs need pypdfium2: pip install -e '.[dev]'.") from missing
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [page.render(scale=dpi / 72).to_pil().convert("RGB") for page in document]
    finally:
        document.close()


def armband_png(facts: BandFacts, dpi: int = 200) -> bytes:
    """The band lying flat on a table: rounded ends, snap holes at the clasp, a shadow."""
    (page,) = pdf_pages_png(armband_pdf(facts), dpi)
    printed = page.rotate(90, expand=True)  # the clasp end to the left, text upright
    margin = dpi // 3
    scene = Image.new("RGB", (printed.width + 2 * margin, printed.height + 2 * margin), TABLE)
    box = (margin, margin, margin + printed.width - 1, margin + printed.height - 1)
    _shadow(scene, box, radius=printed.height // 3)
    band = ImageDraw.Draw(scene)
    band.rounded_rectangle(box, radius=printed.height // 3, fill=BAND, outline=EDGE, width=2)
    scene.paste(
        ImageChops.multiply(scene.crop(box[:2] + (box[2] + 1, box[3] + 1)), printed), box[:2]
    )
    mid = margin + printed.height // 2
    hole = dpi // 14
    _hole(band, margin + round(0.75 * dpi), mid, hole)
    _snap(band, margin + round(0.35 * dpi), mid, hole * 2)
    for step in range(6):  # adjustment holes along the tail
        _hole(band, margin + round((9.0 + 0.32 * step) * dpi), mid, hole * 3 // 4)
    crease = margin + round(CLOSURE / INCH * dpi) - dpi // 12  # where the band folds over
    band.line([(crease, margin + 6), (crease, box[3] - 6)], fill=EDGE, width=1)
    return _png(scene)


def labels_png(facts: BandFacts, count: int = 3, dpi: int = 300) -> bytes:
    """A strip of `count` labels on their backing liner, as they come off the roll."""
    pages = pdf_pages_png(labels_pdf(facts, count), dpi)
    gap = dpi // 8
    label_w, label_h = pages[0].size
    scene = Image.new("RGB", (count * label_w + (count + 3) * gap, label_h + 4 * gap), TABLE)
    liner = (gap, gap, scene.width - gap, scene.height - gap)
    _shadow(scene, liner, radius=gap // 3)
    draw = ImageDraw.Draw(scene)
    draw.rectangle(liner, fill=LINER)
    for index, page in enumerate(pages):
        left = 2 * gap + index * (label_w + gap)
        top = 2 * gap
        mask = Image.new("L", page.size, 0)
        ImageDraw.Draw(mask).rounded_rectangle(
            (0, 0, label_w - 1, label_h - 1), radius=dpi // 16, fill=255
        )
        scene.paste(page, (left, top), mask)
        draw.rounded_rectangle(
            (left, top, left + label_w - 1, top + label_h - 1), radius=dpi // 16, outline=EDGE
        )
    return _png(scene)


def _shadow(scene: Image.Image, box: tuple[int, int, int, int], radius: int) -> None:
    shade = Image.new("L", scene.size, 0)
    offset = max(2, radius // 6)
    ImageDraw.Draw(shade).rounded_rectangle(
        (box[0] + offset, box[1] + 2 * offset, box[2] + offset, box[3] + 2 * offset),
        radius=radius,
        fill=90,
    )
    shade = shade.filter(ImageFilter.GaussianBlur(offset * 2))
    scene.paste(Image.new("RGB", scene.size, (90, 100, 110)), (0, 0), shade)


def _hole(draw: ImageDraw.ImageDraw, x: int, y: int, radius: int) -> None:
    draw.ellipse(
        (x - radius, y - radius, x + radius, y + radius), fill=TABLE, outline=EDGE, width=2
    )


def _snap(draw: ImageDraw.ImageDraw, x: int, y: int, radius: int) -> None:
    """The plastic snap that closes the band, seen from above."""
    draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=SNAP, outline=EDGE, width=2)
    inner = radius // 2
    draw.ellipse((x - inner, y - inner, x + inner, y + inner), outline=EDGE, width=2)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    folder = Path(args[0] if args else "docs/printing")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "armband.png").write_bytes(armband_png(DEMO))
    (folder / "labels.png").write_bytes(labels_png(DEMO))
    print(f"wrote {folder / 'armband.png'} and {folder / 'labels.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
