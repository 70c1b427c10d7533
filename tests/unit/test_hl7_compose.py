"""The ADT messages the demo feed, the tests and the benchmark send: python-hl7 reads them,
each field stands where PRODUCT.md's mapping looks for it (PID-3 MRN of type MR, PID-5
family^given, PID-7, PID-8, PV1-3 unit^room^bed, PV1-6, PV1-7, PV1-19, PV1-45, NPU), the
header says v2.5.1 and UTF-8, and delimiters inside values travel as HL7 escapes."""

from __future__ import annotations

import datetime as dt

import hl7
import pytest

from unitboard.integrations.hl7 import client, compose
from unitboard.integrations.hl7.compose import Header, Location, Patient

AT = dt.datetime(2026, 12, 1, 22, 30, 5, tzinfo=dt.UTC)
ZOE = Patient("7001234", "Ångström", "Zoë", dt.date(1984, 2, 29), "F")
BED = Location("4W", "401", "A")


def header(control_id: str = "MSG0001") -> Header:
    return Header(facility="RIVERSIDE", control_id=control_id, at=AT)


def field(message: hl7.Message, path: str) -> str:
    """The text at `path` ("PID.5.2": segment, field, component), escapes decoded (by
    python-hl7's `extract_field`)."""
    segment_id, *numbers = path.split(".")
    indexes = [int(n) for n in numbers] + [1, 1]
    segment = message.segment(segment_id)
    value = segment.extract_field(1, indexes[0], 1, indexes[1], indexes[2])
    return str(value)


def parsed(text: str) -> hl7.Message:
    assert text.endswith("\r") and "\n" not in text
    message = hl7.parse(text)
    assert isinstance(message, hl7.Message)
    return message


def test_an_a01_carries_the_patient_the_bed_and_the_visit_where_the_mapping_reads_them() -> None:
    message = parsed(compose.a01(ZOE, "900000001", BED, "Dr. Núñez", header()))

    assert [str(s[0]) for s in message] == ["MSH", "EVN", "PID", "PV1"]
    assert field(message, "MSH.9.1") == "ADT"
    assert field(message, "MSH.9.2") == "A01"
    assert field(message, "MSH.9.3") == "ADT_A01"
    assert field(message, "MSH.10") == "MSG0001"
    assert field(message, "MSH.4") == "RIVERSIDE"
    assert field(message, "MSH.12") == "2.5.1"
    assert field(message, "MSH.18") == "UNICODE UTF-8"
    assert field(message, "MSH.7") == "20261201223005+0000"
    assert field(message, "EVN.1") == "A01"
    assert field(message, "PID.3.1") == "7001234"
    assert field(message, "PID.3.5") == "MR"
    assert field(message, "PID.5.1") == "Ångström"
    assert field(message, "PID.5.2") == "Zoë"
    assert field(message, "PID.7") == "19840229"
    assert field(message, "PID.8") == "F"
    assert [field(message, f"PV1.3.{n}") for n in (1, 2, 3)] == ["4W", "401", "A"]
    assert field(message, "PV1.2") == "I"
    assert field(message, "PV1.7.2") == "Núñez"
    assert field(message, "PV1.7.6") == "Dr."
    assert field(message, "PV1.19") == "900000001"


def test_a_transfer_names_the_new_bed_and_the_one_it_leaves() -> None:
    prior = Location.of("ICU-03-A")
    message = parsed(compose.a02(ZOE, "900000001", BED, prior, "Dr. Park", header()))

    assert field(message, "MSH.9.2") == "A02"
    assert field(message, "EVN.1") == "A02"
    assert [field(message, f"PV1.3.{n}") for n in (1, 2, 3)] == ["4W", "401", "A"]
    assert [field(message, f"PV1.6.{n}") for n in (1, 2, 3)] == ["ICU", "03", "A"]
    assert Location.of("ICU-03-A").bed_id == "ICU-03-A"


def test_a_discharge_carries_its_time_in_pv1_45() -> None:
    left = dt.datetime(2026, 12, 1, 20, 15, tzinfo=dt.UTC)
    message = parsed(compose.a03(ZOE, "900000001", BED, "Dr. Park", left, header()))

    assert field(message, "MSH.9.2") == "A03"
    assert field(message, "PV1.45") == "20261201201500+0000"
    assert field(message, "PV1.19") == "900000001"


def test_an_update_carries_the_new_attending_and_the_sex_as_hl7_table_0001_writes_it() -> None:
    nonbinary = Patient("7001235", "Dubois-Lefèvre", "Renée", dt.date(1990, 5, 1), "X")
    message = parsed(compose.a08(nonbinary, "900000002", BED, "Dr. Weiss", header()))

    assert field(message, "MSH.9.2") == "A08"
    assert field(message, "PID.8") == "O"
    assert field(message, "PID.5.1") == "Dubois-Lefèvre"
    assert field(message, "PV1.7.2") == "Weiss"


@pytest.mark.parametrize("status", ["H", "U", "C", "K", "I"])
def test_a_bed_status_update_names_the_bed_and_its_hl7_0116_status(status: str) -> None:
    message = parsed(compose.a20(BED, status, header()))

    assert [str(s[0]) for s in message] == ["MSH", "EVN", "NPU"]
    assert field(message, "MSH.9.2") == "A20"
    assert [field(message, f"NPU.1.{n}") for n in (1, 2, 3)] == ["4W", "401", "A"]
    assert field(message, "NPU.2") == status


def test_delimiters_in_values_travel_as_hl7_escapes_and_read_back_as_typed() -> None:
    awkward = Patient("70|01", "Smith & Jones^Lee", "Ann~Marie\\Jo", dt.date(1970, 1, 1), "F")
    text = compose.a01(awkward, "9|2", BED, "Dr. O^Hara", header())

    pid = next(s for s in text.split("\r") if s.startswith("PID"))
    assert "Smith \\T\\ Jones\\S\\Lee^Ann\\R\\Marie\\E\\Jo" in pid
    assert "70\\F\\01^^^RIVERSIDE^MR" in pid
    message = parsed(text)
    assert field(message, "PID.5.1") == "Smith & Jones^Lee"
    assert field(message, "PID.5.2") == "Ann~Marie\\Jo"
    assert field(message, "PID.3.1") == "70|01"
    assert field(message, "PV1.19") == "9|2"
    assert field(message, "PV1.7.2") == "O^Hara"


def test_a_line_break_in_a_value_never_ends_the_segment() -> None:
    assert compose.escape("two\r\nlines\nhere") == "two lines here"


def test_each_message_gets_a_control_id_of_its_own_when_none_is_given() -> None:
    first = parsed(compose.a20(BED, "U"))
    second = parsed(compose.a20(BED, "U"))

    ids = {field(first, "MSH.10"), field(second, "MSH.10")}
    assert len(ids) == 2 and all(0 < len(i) <= 20 for i in ids)


def test_the_client_frames_as_mllp_and_reads_an_acks_code_and_reason() -> None:
    assert client.frame("MSH|é") == b"\x0bMSH|\xc3\xa9\x1c\x0d"
    ack = (
        "MSH|^~\\&|UNITBOARD|RIVERSIDE|EHR|RIVERSIDE|20261201223005||ACK^A02^ACK|A1|P|2.5.1\r"
        "MSA|AE|MSG0001\r"
        "ERR||PV1^1^19|204^Unknown key identifier^HL70357|E||||There is no stay 9.\r"
    )
    assert client.ack_code(ack) == "AE"
    assert client.ack_error(ack) == "There is no stay 9."
    assert client.ack_code("MSH|^~\\&\rMSA|AA|X\r") == "AA"
    assert client.ack_code("garbage") == ""
