"""Wristbands and specimen labels: what a nurse reads on them and what a scanner reads back.

The PDFs are rasterised (pypdfium2) and their barcodes decoded (zxing-cpp), so a code that
does not scan, or scans to the wrong patient, fails here.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, replace

import pypdfium2
import pytest
import zxingcpp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from unitboard.printing import (
    BandFacts,
    ScannedIds,
    armband_pdf,
    armband_zpl,
    band_payload,
    labels_pdf,
    mrn_payload,
    read_band_payload,
    read_mrn_payload,
)
from unitboard.printing.labels import label_face
from unitboard.printing.pdf import WIDEST_BAR
from unitboard.printing.preview import armband_png
from unitboard.printing.symbols import code128

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
DPI = 300


@dataclass(frozen=True)
class Printed:
    """One PDF page as a reader sees it: its size, its words, its barcodes, its type sizes."""

    inches: tuple[float, float]
    text: str
    codes: list[tuple[str, str]]
    sizes: list[tuple[str, float]]

    def decoded(self, symbology: str) -> list[str]:
        return [text for name, text in self.codes if name == symbology]


def printed(pdf: bytes) -> list[Printed]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [_printed(page) for page in document]
    finally:
        document.close()


def _printed(page: pypdfium2.PdfPage) -> Printed:
    width, height = page.get_size()
    textpage = page.get_textpage()
    text = " ".join(textpage.get_text_range().split())
    sizes = [
        (chr(pypdfium2.raw.FPDFText_GetUnicode(textpage.raw, i)), textpage_size(textpage, i))
        for i in range(textpage.count_chars())
        if not pypdfium2.raw.FPDFText_IsGenerated(textpage.raw, i)
    ]
    image = page.render(scale=DPI / 72).to_pil()
    codes = [(code.format.name, code.text) for code in zxingcpp.read_barcodes(image)]
    return Printed((width / 72, height / 72), text, codes, sizes)


def textpage_size(textpage: pypdfium2.PdfTextPage, index: int) -> float:
    return float(pypdfium2.raw.FPDFText_GetFontSize(textpage.raw, index))


def zpl_fields(zpl: str) -> list[tuple[str, str]]:
    """(the commands before ^FD, the field text with ^FH escapes undone) for each field."""
    fields = []
    for before, data in re.findall(r"\^FO([^\n]*?)\^FH\\\^FD([^\n]*?)\^FS", zpl):
        raw = re.sub(rb"\\([0-9A-F]{2})", lambda hex_: bytes([int(hex_[1], 16)]), data.encode())
        fields.append((before, raw.decode("utf-8")))
    return fields


# The band


def test_the_band_is_one_page_one_inch_by_eleven() -> None:
    (page,) = printed(armband_pdf(DEMO))

    assert page.inches == (1.0, 11.0)


def test_both_datamatrix_codes_on_the_band_scan_to_the_mrn_and_the_encounter() -> None:
    (page,) = printed(armband_pdf(DEMO))

    scans = page.decoded("DataMatrix")
    assert scans == ["4401187/E1001", "4401187/E1001"]
    assert read_band_payload(scans[0]) == ScannedIds("4401187", "E1001")


def test_the_band_shows_both_identifiers_the_encounter_and_the_attending() -> None:
    (page,) = printed(armband_pdf(DEMO))

    for words in (
        "QUARSHIE, Abena",
        "DOB 14 Mar 1958",
        "Sex F",
        "MRN 4401187",
        "Encounter E1001",
        "Attending Dr. Patel",
        "4 West 401-A",
    ):
        assert words in page.text


def test_the_band_is_set_large_enough_to_read_even_for_a_long_name() -> None:
    long_name = replace(DEMO, family_name="Featherstonehaugh-Cholmondeley " * 3)
    for facts in (DEMO, long_name):
        (page,) = printed(armband_pdf(facts))

        name_sizes = [size for _, size in page.sizes if size > 12]
        assert min(size for _, size in page.sizes) >= 9
        assert min(name_sizes) >= 14
        assert page.decoded("DataMatrix") == ["4401187/E1001"] * 2


def test_a_name_too_long_for_the_band_is_cut_in_the_family_name_and_not_over_the_code() -> None:
    facts = replace(DEMO, family_name="Featherstonehaugh-Cholmondeley " * 3)

    (page,) = printed(armband_pdf(facts))

    assert "FEATHERSTONEHAUGH-CHOLMONDELEY F" in page.text
    assert "…, Abena" in page.text
    assert page.decoded("DataMatrix") == ["4401187/E1001"] * 2


def test_the_same_band_is_the_same_pdf_byte_for_byte() -> None:
    assert armband_pdf(DEMO) == armband_pdf(replace(DEMO))


# Specimen labels


def test_labels_come_one_two_by_one_inch_page_each_ten_by_default() -> None:
    pages = printed(labels_pdf(DEMO))

    assert len(pages) == 10
    assert {page.inches for page in pages} == {(2.0, 1.0)}


def test_every_label_scans_to_the_patient_in_both_codes() -> None:
    for page in printed(labels_pdf(DEMO, count=3)):
        assert page.decoded("DataMatrix") == ["4401187/E1001"]
        assert page.decoded("Code128") == ["4401187"]
        assert read_mrn_payload(page.decoded("Code128")[0]) == "4401187"


def test_a_label_shows_both_identifiers_and_the_encounter_in_readable_type() -> None:
    (page,) = printed(labels_pdf(DEMO, count=1))

    for words in ("QUARSHIE, Abena", "DOB 14 Mar 1958", "MRN 4401187", "Enc E1001"):
        assert words in page.text
    assert min(size for _, size in page.sizes) >= 7


@pytest.mark.parametrize("count", [0, -1, 101])
def test_a_label_count_out_of_range_is_refused(count: int) -> None:
    with pytest.raises(ValueError, match="1 to 100 labels"):
        labels_pdf(DEMO, count=count)


# Names as people have them


def test_accented_names_print_as_written_in_pdf_and_zpl() -> None:
    facts = replace(DEMO, family_name="Núñez O'Brien", given_name="Zoë")

    (band,) = printed(armband_pdf(facts))
    (label,) = printed(labels_pdf(facts, count=1))
    zpl_texts = [text for _, text in zpl_fields(armband_zpl(facts))]

    assert "NÚÑEZ O'BRIEN, Zoë" in band.text
    assert "NÚÑEZ O'BRIEN, Zoë" in label.text
    assert "NÚÑEZ O'BRIEN, Zoë" in zpl_texts


def test_letters_the_printer_font_lacks_are_spelled_in_latin_not_dropped() -> None:
    facts = replace(DEMO, family_name="Wałęsa-王", given_name="Łucja")

    (band,) = printed(armband_pdf(facts))

    assert "WALESA-WANG, Lucja" in band.text
    assert "WALESA-WANG, Lucja" in [text for _, text in zpl_fields(armband_zpl(facts))]


# ZPL


def test_the_zpl_band_is_one_inch_by_eleven_at_203_dpi_in_utf8() -> None:
    zpl = armband_zpl(DEMO)

    assert zpl.startswith("^XA\n^CI28\n")
    assert zpl.rstrip().endswith("^XZ")
    assert "^PW203\n" in zpl
    assert "^LL2233\n" in zpl


def test_the_zpl_band_has_printer_made_datamatrix_codes_and_no_image() -> None:
    zpl = armband_zpl(DEMO)

    codes = [text for before, text in zpl_fields(zpl) if "^BX" in before]
    assert codes == ["4401187/E1001", "4401187/E1001"]
    assert all(",200," in before for before, _ in zpl_fields(zpl) if "^BX" in before)
    assert "^GF" not in zpl and "~DG" not in zpl


def test_the_zpl_band_says_what_the_pdf_band_says() -> None:
    texts = [text for before, text in zpl_fields(armband_zpl(DEMO)) if "^A0R" in before]

    assert texts == [
        "QUARSHIE, Abena",
        "DOB 14 Mar 1958   Sex F",
        "MRN 4401187   Encounter E1001",
        "Attending Dr. Patel   4 West 401-A",
    ]


def test_carets_tildes_and_backslashes_in_names_cannot_break_out_of_a_zpl_field() -> None:
    facts = replace(DEMO, family_name="Smith^FS^XZ", given_name="An~na\\", mrn="44^01~187")

    zpl = armband_zpl(facts)

    for piece in zpl.split("^FD")[1:]:
        data = piece[: piece.index("^FS")]
        assert "^" not in data and "~" not in data
    texts = [text for _, text in zpl_fields(zpl)]
    assert "SMITH^FS^XZ, An~na\\" in texts
    assert "MRN 44^01~187   Encounter E1001" in texts
    assert band_payload("44^01~187", "E1001") in texts
    assert zpl.count("^XZ") == 1


# The DataMatrix payload

ids = st.text(min_size=1, max_size=40).filter(str.strip)


@given(mrn=ids, encounter_id=ids)
def test_any_mrn_and_encounter_survive_the_payload(mrn: str, encounter_id: str) -> None:
    payload = band_payload(mrn, encounter_id)

    assert re.fullmatch(r"[A-Za-z0-9.%-]+/[A-Za-z0-9.%-]+", payload)
    assert read_band_payload(payload) == ScannedIds(mrn, encounter_id)
    assert read_mrn_payload(mrn_payload(mrn)) == mrn


def test_plain_ids_are_carried_as_they_are() -> None:
    assert band_payload("4401187", "E1001") == "4401187/E1001"
    assert band_payload("A/1 2", "E_1~") == "A%2F1%202/E%5F1%7E"


def test_the_line_end_a_scanner_adds_is_ignored() -> None:
    assert read_band_payload("4401187/E1001\r\n") == ScannedIds("4401187", "E1001")


@pytest.mark.parametrize("scan", ["", "4401187", "4401187/", "/E1001", "1/2/3"])
def test_a_scan_that_is_not_a_wristband_code_is_refused(scan: str) -> None:
    with pytest.raises(ValueError, match="not a wristband code"):
        read_band_payload(scan)


def test_a_wristband_code_is_not_taken_for_a_label_mrn() -> None:
    with pytest.raises(ValueError, match="not a label MRN code"):
        read_mrn_payload("4401187/E1001")


# Round trips with made-up patients

names = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzÁÉÍÑÖÜßàçèëïñôùÿ' -"),
    min_size=1,
    max_size=24,
).filter(str.strip)
hospital_ids = st.text(
    alphabet=st.sampled_from("0123456789ABCDEFGHJKLMNPRSTUVWXYZabc-./^~_ %ä"),
    min_size=1,
    max_size=16,
).filter(str.strip)
slow = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@slow
@given(family=names, given_name=names, mrn=hospital_ids, encounter_id=hospital_ids)
def test_made_up_bands_scan_back_to_their_patient(
    family: str, given_name: str, mrn: str, encounter_id: str
) -> None:
    facts = replace(
        DEMO, family_name=family, given_name=given_name, mrn=mrn, encounter_id=encounter_id
    )

    (page,) = printed(armband_pdf(facts))

    assert [read_band_payload(scan) for scan in page.decoded("DataMatrix")] == [
        ScannedIds(mrn, encounter_id)
    ] * 2
    assert family.strip().upper().split()[0] in page.text


plain_mrns = st.text(
    alphabet=st.sampled_from("0123456789ABCDEFGHJKLMNPRSTUVWXYZ-"), min_size=1, max_size=12
)


@slow
@given(mrn=plain_mrns, encounter_id=hospital_ids)
def test_made_up_labels_scan_back_to_their_patient(mrn: str, encounter_id: str) -> None:
    (page,) = printed(labels_pdf(replace(DEMO, mrn=mrn, encounter_id=encounter_id), count=1))

    assert [read_band_payload(scan) for scan in page.decoded("DataMatrix")] == [
        ScannedIds(mrn, encounter_id)
    ]
    assert [read_mrn_payload(scan) for scan in page.decoded("Code128")] == [mrn]


def test_a_twelve_letter_mrn_still_gets_ten_mil_bars_on_a_label() -> None:
    linear = label_face(DEMO).linear
    assert linear is not None

    symbol = code128("ABCDEFGHJKLM", linear.width, linear.height, WIDEST_BAR)

    assert symbol.barWidth >= 2 * 72 / 203  # two dots of a 203 dpi printer


# What a band needs


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"mrn": " "}, "needs its MRN"),
        ({"encounter_id": ""}, "needs its encounter id"),
        ({"family_name": ""}, "needs its family name"),
        ({"birth_date": "14/03/1958"}, "not YYYY-MM-DD"),
        ({"birth_date": "1958-02-30"}, "day is out of range"),
    ],
)
def test_a_band_without_its_identifiers_is_refused(change: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        replace(DEMO, **change)


def test_the_band_picture_for_the_readme_still_scans() -> None:
    picture = Image.open(io.BytesIO(armband_png(DEMO, dpi=200)))

    scans = [code.text for code in zxingcpp.read_barcodes(picture)]
    assert scans == ["4401187/E1001", "4401187/E1001"]
