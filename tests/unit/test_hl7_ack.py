"""The ACK: one for every frame, garbage included, that python-hl7 reads back; MSA-2 is the
sender's MSH-10, and a refusal's ERR carries its reason intact whatever characters it has."""

from __future__ import annotations

import datetime as dt

import hl7
import pytest
from hl7_samples import adt, message, msh, pid, pv1

from unitboard.integrations.hl7.ack import acknowledgement, control_id, escape
from unitboard.integrations.hl7.message import parse, segments, text

A01 = adt("A01", pid(), pv1("E100", "4W^401^A"), control="MSG00042")


def ack_of(raw: bytes | str | hl7.Message | None, *args: str) -> hl7.Message:
    """The ACK for `raw`, parsed back with python-hl7."""
    built = acknowledgement(raw, *args)  # type: ignore[arg-type]
    assert "\n" not in built and built.endswith("\r")
    return parse(built.encode("utf-8"))


def test_an_aa_swaps_sender_and_receiver_and_answers_the_control_id() -> None:
    ack = ack_of(A01, "AA")
    assert [str(segment[0][0]) for segment in ack] == ["MSH", "MSA"]
    assert [text(ack, f"MSH.{n}") for n in (3, 4, 5, 6)] == [
        "UNITBOARD",
        "RIVERSIDE",
        "EPIC",
        "RIVERSIDE",
    ]
    assert str(ack.segment("MSH")(9)) == "ACK^A01^ACK"
    assert text(ack, "MSH.10") not in ("", "MSG00042")
    assert len(text(ack, "MSH.10")) <= 20
    assert (text(ack, "MSH.11"), text(ack, "MSH.12"), text(ack, "MSH.18")) == (
        "P",
        "2.5.1",
        "UNICODE UTF-8",
    )
    assert (text(ack, "MSA.1"), text(ack, "MSA.2")) == ("AA", "MSG00042")


def test_each_ack_has_its_own_control_id_unless_one_is_given() -> None:
    first, second = ack_of(A01, "AA"), ack_of(A01, "AA")
    assert text(first, "MSH.10") != text(second, "MSH.10")
    at = dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.UTC)
    same = acknowledgement(A01, "AA", control="ACK42", now=at)
    assert same == acknowledgement(A01, "AA", control="ACK42", now=at)
    assert "|20250301093000+0000|" in same and "|ACK42|" in same


@pytest.mark.parametrize("code", ["AE", "AR"])
def test_a_refusal_carries_err_with_the_code_severity_and_the_text(code: str) -> None:
    said = "Encounter E999 is not on the board, so the A02 cannot apply; send the A01 first."
    ack = ack_of(A01, code, said, "204")
    assert [str(segment[0][0]) for segment in ack] == ["MSH", "MSA", "ERR"]
    assert (text(ack, "MSA.1"), text(ack, "MSA.2"), text(ack, "MSA.3")) == (code, "MSG00042", said)
    err = segments(ack, "ERR")[0]
    assert str(err(3)) == "204^Unknown key identifier^HL70357"
    assert text(ack, "ERR.4") == "E"
    assert text(ack, "ERR.8") == said


@pytest.mark.parametrize(
    "said",
    [
        "Bed 4W|401 is blocked (leak^ceiling & wall ~ see C:\\notes).",
        "Trailing escape \\",
        "\\F\\ is not a separator here.",
        "Room 401 — Lefèvre's bed, 2 lines\nsecond line.",
    ],
)
def test_the_text_round_trips_whatever_characters_it_has(said: str) -> None:
    ack = ack_of(A01, "AE", said)
    expected = " ".join(said.splitlines())
    assert text(ack, "ERR.8") == expected
    assert text(ack, "MSA.3") == expected
    assert len(ack) == 3 and len(segments(ack, "ERR")[0]) == 9


def test_escape_uses_the_hl7_sequences() -> None:
    assert escape("a|b^c&d~e\\f") == "a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f"


def test_an_unknown_error_code_is_sent_as_an_internal_error() -> None:
    err = segments(ack_of(A01, "AE", "Something failed.", "999"), "ERR")[0]
    assert str(err(3)) == "207^Application internal error^HL70357"


def test_the_message_may_be_given_parsed_as_text_or_as_bytes() -> None:
    for raw in (A01, A01.decode(), parse(A01)):
        ack = ack_of(raw, "AA")
        assert text(ack, "MSA.2") == "MSG00042"
        assert text(ack, "MSH.5") == "EPIC"


def test_the_version_of_the_message_is_answered_in() -> None:
    raw = message(msh("A02", "V23", version="2.3"), pid(), pv1("E100", "4W^401^A"))
    ack = ack_of(raw, "AA")
    assert text(ack, "MSH.12") == "2.3"
    assert str(ack.segment("MSH")(9)) == "ACK^A02^ACK"


def test_a_refusal_in_2_3_or_2_4_also_carries_the_condition_in_msa_6() -> None:
    raw = message(msh("A02", "V24", version="2.4"), pid(), pv1("E100", "4W^401^A"))
    ack = ack_of(raw, "AE", "Encounter E100 is not on the board.", "204")
    assert str(ack.segment("MSA")(6)) == "204^Unknown key identifier^HL70357"
    assert text(ack, "MSA.3") == "Encounter E100 is not on the board."
    assert len(ack_of(A01, "AE", "No.", "204").segment("MSA")) == 4  # 2.5.1: ERR only


def test_garbage_gets_an_ar_with_defaults() -> None:
    for raw in (b"\x00\xff garbage", b"", None, "not hl7 at all"):
        ack = ack_of(raw, "AR", "The message does not start with an MSH segment.", "100")
        assert (text(ack, "MSA.1"), text(ack, "MSA.2")) == ("AR", "")
        assert text(ack, "MSH.12") == "2.5.1"
        assert str(ack.segment("MSH")(9)) == "ACK"
        assert text(ack, "MSH.3") == "UNITBOARD"
        assert text(ack, "ERR.8") == "The message does not start with an MSH segment."


def test_a_message_that_does_not_parse_still_gets_its_control_id_and_version_back() -> None:
    latin1 = (
        "MSH|^~\\&|EPIC|RIVERSIDE|UNITBOARD|RIVERSIDE|20250301||ADT^A08^ADT_A01|LAT-7|P|2.4\r"
        "PID|1||123^^^^MR||Müller^Jörg\r"
    ).encode("latin-1")
    ack = ack_of(latin1, "AR", "The message is not UTF-8 text.", "102")
    assert (text(ack, "MSA.2"), text(ack, "MSH.12")) == ("LAT-7", "2.4")
    assert str(ack.segment("MSH")(9)) == "ACK^A08^ACK"
    assert [text(ack, f"MSH.{n}") for n in (3, 5)] == ["UNITBOARD", "EPIC"]
    assert control_id(latin1) == "LAT-7"


def test_a_control_id_with_separators_comes_back_as_sent() -> None:
    broken = b"MSH|^~\\&|EPIC|RIV|UB|RIV|2025||ADT^A01|ID^WITH&ODD~CHARS|P|2.5.1\rPID|\xff"
    ack = ack_of(broken, "AR", "Not UTF-8.")
    assert text(ack, "MSA.2") == "ID^WITH&ODD~CHARS"


def test_control_id_reads_msh_10() -> None:
    assert control_id(A01) == "MSG00042"
    assert control_id(parse(A01)) == "MSG00042"
    assert control_id(A01.decode()) == "MSG00042"
    assert control_id(b"MSH|^~\\&|A|B|C|D|2025||ADT^A01|X1|P|2.5\n\xff") == "X1"
    assert control_id(b"garbage") is None
    assert control_id(None) is None
    assert control_id(b"MSH|^~\\&|A|B|C|D|2025||ADT^A01||P|2.5") is None
