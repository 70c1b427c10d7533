"""The EHR's ADT feed end to end: real `unitboard serve` processes with `--hl7-port`, real
MLLP connections, the board read back through the API.

The feed moves the board exactly as the same commands through the API move a second
server's; a message sent again is answered the same and records nothing; a refusal records
nothing and says why; a frame that is not HL7, or is over 1 MiB, is refused and the next
message on the same connection is applied; a sender outside the allow-list is cut off; a
sender that sends half a message holds no one else up; eight senders at once lose nothing;
accents and HL7 escapes arrive as written. Messages are written as an EHR sends them
(v2.5.1, UTF-8, segments ended by carriage returns)."""

from __future__ import annotations

import socket
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from e2e_support import Api, Server, create_token, free_port, fresh_postgres_database, run_cli
from fault_support import PausableProxy, wait_until
from sqlalchemy.engine import make_url

from hospital import LAYOUT

START_BLOCK = b"\x0b"
END_BLOCK = b"\x1c\x0d"
FLOW_ROOMS = 104
"""A unit of two-bed rooms: 1-100 for the senders at once (the test hospital has 11 beds),
101-104 for the framing tests."""
FEED_LAYOUT = (
    LAYOUT
    + '\n[[unit]]\nid = "FLOW"\nname = "Flow Unit"\nmixed_sex_rooms = true\n'
    + "".join(f'\n[[unit.room]]\nid = "{n}"\nbeds = ["A", "B"]\n' for n in range(1, FLOW_ROOMS + 1))
)
NAMES_SENT = ("Müller", "Lefèvre", "Okafor", "Lévesque", "Bürgi")
"""Patients' names the tests send: none may appear in a server's log."""


# -- MLLP, as an interface engine speaks it ---------------------------------------------------


class Mllp:
    """One MLLP connection: send a frame, read its ACK."""

    def __init__(self, port: int, timeout: float = 20.0) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.unread = b""

    def __enter__(self) -> Mllp:
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()

    def send(self, message: str) -> str:
        self.send_bytes(START_BLOCK + message.encode("utf-8") + END_BLOCK)
        return self.ack()

    def send_bytes(self, data: bytes) -> None:
        self.sock.sendall(data)

    def ack(self) -> str:
        while END_BLOCK not in self.unread:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the listener closed the connection")
            self.unread += chunk
        frame, _, self.unread = self.unread.partition(END_BLOCK)
        assert frame.startswith(START_BLOCK), frame
        return frame[1:].decode("utf-8")

    def closed_by_server(self, within: float) -> bool:
        """Whether the server closes this connection within `within` seconds."""
        self.sock.settimeout(within)
        try:
            return self.sock.recv(1) == b""
        except ConnectionResetError:
            return True
        except TimeoutError:
            return False


def segment(ack: str, name: str) -> list[str]:
    found = [s.split("|") for s in ack.split("\r") if s.startswith(name + "|")]
    assert found, f"no {name} in {ack!r}"
    return found[0]


def msa(ack: str) -> tuple[str, str]:
    """MSA-1 (the code) and MSA-2 (the control id it answers)."""
    fields = segment(ack, "MSA")
    return fields[1], fields[2]


def err_text(ack: str) -> str:
    """ERR-8, the words for a person."""
    return segment(ack, "ERR")[8]


# -- messages, as the EHR sends them -----------------------------------------------------------


def a01(control: str, encounter: str, mrn: str, family: str, given: str, bed: str) -> str:
    """An admission to the bed `bed` (PV1-3 as unit^room^bed)."""
    return (
        f"MSH|^~\\&|EPIC|RIVERSIDE|UNITBOARD|RIVERSIDE|20261201083000||ADT^A01^ADT_A01|{control}"
        "|P|2.5.1|||||USA|UNICODE UTF-8\r"
        "EVN|A01|20261201083000\r"
        f"PID|1||{mrn}^^^RIVERSIDE^MR||{family}^{given}^^^^^L||19500402|F\r"
        f"PV1|1|I|{bed}||||1234^House^Gregory^^^Dr.|||||||7|||||{encounter}\r"
    )


SEQUENCE: list[tuple[str, list[tuple[str, dict[str, Any]]]]] = [
    (
        "MSH|^~\\&|EPIC|RIVERSIDE|UNITBOARD|RIVERSIDE|20261201083000||ADT^A01^ADT_A01|SEQ-1|P"
        "|2.5.1|||||USA|UNICODE UTF-8\r"
        "EVN|A01|20261201083000\r"
        "PID|1||M1^^^RIVERSIDE^MR||Müller^Zoé^^^^^L||19500402|F\r"
        "PV1|1|I|4W^401^A||||1234^House^Gregory^^^Dr.|||||||7|||||E1\r",
        [
            (
                "RequestAdmission",
                {
                    "encounter_id": "E1",
                    "mrn": "M1",
                    "family_name": "Müller",
                    "given_name": "Zoé",
                    "birth_date": "1950-04-02",
                    "sex": "F",
                    "unit_id": "4W",
                    "source": "ed",
                    "attending": "Dr. House",
                },
            ),
            ("AssignBed", {"encounter_id": "E1", "bed_id": "4W-401-A"}),
            ("MarkArrived", {"encounter_id": "E1"}),
        ],
    ),
    (
        "MSH|^~\\&|EPIC|RIVERSIDE|UNITBOARD|RIVERSIDE|20261201090000||ADT^A08^ADT_A01|SEQ-2|P"
        "|2.5.1|||||USA|UNICODE UTF-8\r"
        "EVN|A08|20261201090000\r"
        "PID|1||M1^^^RIVERSIDE^MR||Lefèvre^Zoé^^^^^L||19500402|F\r"
        "PV1|1|I|4W^401^A||||5678^Adeyemi^Tunde^^^Dr.|||||||7|||||E1\r",
        [
            (
                "UpdatePatient",
                {"encounter_id": "E1", "family_name": "Lefèvre", "attending": "Dr. Adeyemi"},
            )
        ],
    ),
    (
        "MSH|^~\\&|EPIC|RIVERSIDE|UNITBOARD|RIVERSIDE|20261201100000||ADT^A02^ADT_A02|SEQ-3|P"
        "|2.5.1|||||USA|UNICODE UTF-8\r"
        "EVN|A02|20261201100000\r"
        "PID|1||M1^^^RIVERSIDE^MR||Lefèvre^Zoé^^^^^L||19500402|F\r"
        "PV1|1|I|ICU^3^A||||5678^Adeyemi^Tunde^^^Dr.|||||||7|||||E1\r",
        [
            (
                "RequestTransfer",
                {
                    "encounter_id": "E1",
                    "to_unit_id": "ICU",
                    "reason": "Transferred in the EHR (A02), to Intensive Care",
                },
            ),
            ("MovePatient", {"encounter_id": "E1", "bed_id": "ICU-3-A"}),
        ],
    ),
    (
        "MSH|^~\\&|EPIC|RIVERSIDE|UNITBOARD|RIVERSIDE|20261201110000||ADT^A03^ADT_A03|SEQ-4|P"
        "|2.5.1|||||USA|UNICODE UTF-8\r"
        "EVN|A03|20261201110000\r"
        "PID|1||M1^^^RIVERSIDE^MR||Lefèvre^Zoé^^^^^L||19500402|F\r"
        "PV1|1|I|ICU^3^A||||5678^Adeyemi^Tunde^^^Dr.|||||||7|||||E1"
        "||||||||||||||||||||||||||20261201110000\r",
        [("DischargePatient", {"encounter_id": "E1"})],
    ),
    (
        "MSH|^~\\&|EPIC|RIVERSIDE|UNITBOARD|RIVERSIDE|20261201111500||ADT^A13^ADT_A01|SEQ-5|P"
        "|2.5.1|||||USA|UNICODE UTF-8\r"
        "EVN|A13|20261201111500\r"
        "PID|1||M1^^^RIVERSIDE^MR||Lefèvre^Zoé^^^^^L||19500402|F\r"
        "PV1|1|I|ICU^3^A||||5678^Adeyemi^Tunde^^^Dr.|||||||7|||||E1\r",
        [
            (
                "CancelDischarge",
                {"encounter_id": "E1", "reason": "Discharge cancelled in the EHR (A13)"},
            )
        ],
    ),
    (
        "MSH|^~\\&|EPIC|RIVERSIDE|UNITBOARD|RIVERSIDE|20261201113000||ADT^A01^ADT_A01|SEQ-6|P"
        "|2.5.1|||||USA|UNICODE UTF-8\r"
        "EVN|A01|20261201113000\r"
        "PID|1||M2^^^RIVERSIDE^MR||Okafor^Chidi^^^^^L||19611120|M\r"
        "PV1|1|I|ICU^3^B||||1234^House^Gregory^^^Dr.||||||||||||E2\r",
        [
            (
                "RequestAdmission",
                {
                    "encounter_id": "E2",
                    "mrn": "M2",
                    "family_name": "Okafor",
                    "given_name": "Chidi",
                    "birth_date": "1961-11-20",
                    "sex": "M",
                    "unit_id": "ICU",
                    "source": "direct",
                    "attending": "Dr. House",
                },
            ),
            ("AssignBed", {"encounter_id": "E2", "bed_id": "ICU-3-B"}),
            ("MarkArrived", {"encounter_id": "E2"}),
        ],
    ),
    (
        "MSH|^~\\&|EPIC|RIVERSIDE|UNITBOARD|RIVERSIDE|20261201120000||ADT^A17^ADT_A17|SEQ-7|P"
        "|2.5.1|||||USA|UNICODE UTF-8\r"
        "EVN|A17|20261201120000\r"
        "PID|1||M1^^^RIVERSIDE^MR||Lefèvre^Zoé^^^^^L||19500402|F\r"
        "PV1|1|I|ICU^3^B||||5678^Adeyemi^Tunde^^^Dr.|||||||7|||||E1\r"
        "PID|2||M2^^^RIVERSIDE^MR||Okafor^Chidi^^^^^L||19611120|M\r"
        "PV1|1|I|ICU^3^A||||1234^House^Gregory^^^Dr.||||||||||||E2\r",
        [("SwapBeds", {"encounter_id": "E1", "other_encounter_id": "E2"})],
    ),
    (
        "MSH|^~\\&|EPIC|RIVERSIDE|UNITBOARD|RIVERSIDE|20261201123000||ADT^A20^ADT_A20|SEQ-8|P"
        "|2.5.1|||||USA|UNICODE UTF-8\r"
        "EVN|A20|20261201123000\r"
        "NPU|4W^401^A|U\r",
        [("StartCleaning", {"bed_id": "4W-401-A"}), ("MarkBedClean", {"bed_id": "4W-401-A"})],
    ),
    (
        "MSH|^~\\&|EPIC|RIVERSIDE|UNITBOARD|RIVERSIDE|20261201124500||ADT^A20^ADT_A20|SEQ-9|P"
        "|2.5.1|||||USA|UNICODE UTF-8\r"
        "EVN|A20|20261201124500\r"
        "NPU|4W^402^A|C\r",
        [
            (
                "BlockBed",
                {"bed_id": "4W-402-A", "reason": "Closed in the EHR (A20)", "kind": "other"},
            )
        ],
    ),
]
"""A01 -> A08 -> A02 (to another unit) -> A03 -> A13 -> A01 (a second patient) -> A17 ->
A20 (clean) -> A20 (closed), each with the commands a person would send for it."""


# -- servers -------------------------------------------------------------------------------------


def feed_server(
    database_url: str,
    tmp_path: Path,
    *extra: str,
    env: dict[str, str] | None = None,
    hl7_port: int | None = None,
) -> tuple[Server, int]:
    """A server with the feed on (and the flow unit in its layout), started."""
    layout = tmp_path / "feed-layout.toml"
    layout.write_text(FEED_LAYOUT)
    port = hl7_port or free_port()
    server = Server(
        database_url,
        layout,
        tmp_path / f"feed-{uuid.uuid4().hex[:6]}.log",
        serve_args=("--hl7-port", str(port), *extra),
        env=env or {},
    )
    server.start()
    return server, port


def stopped(server: Server) -> None:
    """Stop, then check the log: no error, and no patient's name (logs carry no identity)."""
    server.stop()
    server.assert_no_server_errors()
    log = server.log_text()
    for name in NAMES_SENT:
        assert name not in log, f"{name} in the server's log"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def feed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, int, Api]]:
    """A feed server per backend for the module (each test has beds and encounters of its
    own), with an integration token to read it by. It closes a connection idle for 3 s."""
    tmp = tmp_path_factory.mktemp(f"feed-{request.param}")
    drop = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp}/feed.db"
    else:
        url, drop = fresh_postgres_database()
    server, port = feed_server(url, tmp, env={"UNITBOARD_HL7_IDLE_SECONDS": "3"})
    try:
        yield server, port, Api(server, create_token(server.database_url, "integration"))
    finally:
        stopped(server)
        if drop is not None:
            drop()


@pytest.fixture
def twin_database_url(e2e_database_url: str, tmp_path: Path) -> Iterator[str]:
    """A second database on the same backend, for the server the API drives."""
    if e2e_database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path}/twin.db"
        return
    url, drop = fresh_postgres_database()
    try:
        yield url
    finally:
        drop()


# -- reading the board ---------------------------------------------------------------------------

NOT_COMPARED = ("position", "updated_at", "requested_at", "waiting_since", "since", "at", "by")
"""Keys that say when, and who: two servers never agree on the times, and the feed signs as
"EHR feed (RIVERSIDE)" where the API signs with its token's name."""


def what_it_says(value: Any) -> Any:
    """A board without its times, log positions and signatures."""
    if isinstance(value, dict):
        return {
            k: what_it_says(v)
            for k, v in value.items()
            if k not in NOT_COMPARED and not k.endswith(("_at", "_since"))
        }
    if isinstance(value, list):
        return [what_it_says(v) for v in value]
    return value


def boards(api: Api) -> dict[str, Any]:
    return {unit: what_it_says(api.board(unit)) for unit in ("4W", "ICU")}


def same_boards(feed: Api, person: Api, after: str) -> None:
    """The two servers' boards say the same (each read once its writes show)."""
    deadline = time.monotonic() + 5
    while True:
        ours, theirs = boards(feed), boards(person)
        if ours == theirs or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert ours == theirs, f"after {after}: {differences(ours, theirs)}"


def differences(ours: Any, theirs: Any, path: str = "") -> list[str]:
    """Where two boards part: each path with the feed's value and the API's."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        keys = sorted(set(ours) | set(theirs))
        return [d for k in keys for d in differences(ours.get(k), theirs.get(k), f"{path}/{k}")]
    if isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs):
        pairs = enumerate(zip(ours, theirs, strict=True))
        return [d for n, (one, other) in pairs for d in differences(one, other, f"{path}/{n}")]
    return [] if ours == theirs else [f"{path}: feed {ours!r}, API {theirs!r}"]


def stays(api: Api, unit: str) -> dict[str, dict[str, Any]]:
    """The unit's patients by encounter: in beds and waiting."""
    board = api.board(unit)
    found = {b["patient"]["encounter_id"]: b["patient"] for b in board["beds"] if b["patient"]}
    found.update({p["encounter_id"]: p for p in board["pending_admissions"]})
    return found


def logged(server: Server, words: str, within: float = 5.0) -> bool:
    """Whether the server's log says `words` within `within` seconds."""
    deadline = time.monotonic() + within
    while words not in server.log_text():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


# -- the tests -------------------------------------------------------------------------------------


def test_the_feed_moves_the_board_as_the_same_commands_through_the_api(
    e2e_database_url: str, twin_database_url: str, tmp_path: Path
) -> None:
    server, port = feed_server(e2e_database_url, tmp_path)
    twin = Server(twin_database_url, server.layout, tmp_path / "twin.log")
    try:
        twin.start()
        by_feed = Api(server, create_token(server.database_url, "integration"))
        by_hand = Api(twin, create_token(twin.database_url, "integration"))
        same_boards(by_feed, by_hand, "the layout")
        with Mllp(port) as mllp:
            for message, commands in SEQUENCE:
                control = message.split("|")[9]
                ack = mllp.send(message)
                assert msa(ack) == ("AA", control), ack
                for name, data in commands:
                    by_hand.ok(name, data)
                same_boards(by_feed, by_hand, control)
        icu = {b["bed_id"]: b for b in by_feed.board("ICU")["beds"]}
        assert icu["ICU-3-B"]["encounter_id"] == "E1"
        assert icu["ICU-3-A"]["encounter_id"] == "E2"
        assert icu["ICU-3-B"]["patient"]["family_name"] == "Lefèvre"
        west = {b["bed_id"]: b for b in by_feed.board("4W")["beds"]}
        assert west["4W-401-A"]["status"] == "clean"
        assert west["4W-402-A"]["blocked"] is not None
        feed_events = [e for e in by_feed.all_events() if e["type"] != "LayoutLoaded"]
        assert {e["metadata"].get("sending_facility") for e in feed_events} >= {"RIVERSIDE"}
    finally:
        twin.stop()
        twin.assert_no_server_errors()
        stopped(server)


def test_a_message_sent_again_gets_the_same_ack_and_records_nothing(
    feed: tuple[Server, int, Api],
) -> None:
    server, port, api = feed
    admit = a01("RESEND-1", "E50", "M50", "Okafor", "Chidi", "4W^403^A")
    with Mllp(port) as mllp:
        first = mllp.send(admit)
        assert msa(first) == ("AA", "RESEND-1"), first
        head = api.last_position()
        again = mllp.send(admit)
        restamped = mllp.send(admit.replace("20261201083000", "20261201083500", 1))
    with Mllp(port) as later:  # an interface engine resends on a new connection, too
        after_reconnect = later.send(admit)
    for ack in (again, restamped, after_reconnect):
        assert msa(ack) == ("AA", "RESEND-1"), ack
    assert api.last_position() == head
    assert api.bed("4W", "4W-403-A")["encounter_id"] == "E50"


def a03(control: str, encounter: str, mrn: str) -> str:
    """A discharge of `encounter`."""
    return (
        f"MSH|^~\\&|EPIC|RIVERSIDE|UNITBOARD|RIVERSIDE|20261201120000||ADT^A03^ADT_A03|{control}"
        "|P|2.5.1|||||USA|UNICODE UTF-8\r"
        "EVN|A03|20261201120000\r"
        f"PID|1||{mrn}^^^RIVERSIDE^MR||Okafor^Chidi^^^^^L||19500402|F\r"
        f"PV1|1|I|FLOW^104^A||||1234^House^Gregory^^^Dr.||||||||||||{encounter}"
        "|||||||||||||||||||||||||20261201115500\r"
    )


def test_a_message_sent_again_after_the_board_moved_on_gets_its_first_ack(
    feed: tuple[Server, int, Api],
) -> None:
    """An engine that never saw the A01's ACK resends it after the discharge went through:
    the first answer stands (AA), and nothing is recorded again."""
    server, port, api = feed
    admit = a01("AGAIN-1", "E87", "M87", "Okafor", "Chidi", "FLOW^104^A")
    with Mllp(port) as mllp:
        assert msa(mllp.send(admit)) == ("AA", "AGAIN-1")
        assert msa(mllp.send(a03("AGAIN-2", "E87", "M87"))) == ("AA", "AGAIN-2")
        head = api.last_position()
        assert msa(mllp.send(admit)) == ("AA", "AGAIN-1")
    assert api.last_position() == head
    assert api.bed("FLOW", "FLOW-104-A")["encounter_id"] is None


@pytest.mark.parametrize(
    ("message", "named", "next_bed"),
    [
        (
            "MSH|^~\\&|EPIC|RIVERSIDE|UNITBOARD|RIVERSIDE|20261201100000||ADT^A02^ADT_A02"
            "|REFUSE-A02|P|2.5.1|||||USA|UNICODE UTF-8\r"
            "EVN|A02|20261201100000\r"
            "PID|1||M404^^^RIVERSIDE^MR||Okafor^Chidi^^^^^L||19611120|M\r"
            "PV1|1|I|ICU^3^A||||1234^House^Gregory^^^Dr.||||||||||||E404\r",
            "Encounter E404 is not on the board",
            "4W^402^A",
        ),
        (a01("REFUSE-BED", "E60", "M60", "Okafor", "Chidi", "4W^401^Z"), "Bed 'Z'", "4W^403^B"),
        (a01("REFUSE-UNIT", "E61", "M61", "Okafor", "Chidi", "5E^501^A"), "Unit '5E'", "4W^403^C"),
    ],
    ids=["A02-unknown-encounter", "bed-not-in-layout", "unit-not-in-layout"],
)
def test_a_refused_message_gets_ae_with_a_reason_and_records_nothing(
    feed: tuple[Server, int, Api], message: str, named: str, next_bed: str
) -> None:
    server, port, api = feed
    control = message.split("|")[9]
    head = api.last_position()
    with Mllp(port) as mllp:
        ack = mllp.send(message)
        assert msa(ack) == ("AE", control), ack
        assert named in err_text(ack), ack
        assert err_text(ack).endswith("."), "a sentence a person reads"
        assert api.last_position() == head
        # the connection goes on: the next message is applied
        unit, room, bed = next_bed.split("^")
        then = f"{control}-NEXT"
        ok = mllp.send(a01(then, f"{control}-E", f"{control}-M", "Okafor", "Chidi", next_bed))
    assert msa(ok) == ("AA", then), ok
    assert api.bed(unit, f"{unit}-{room}-{bed}")["encounter_id"] == f"{control}-E"


def test_a_frame_that_is_not_hl7_gets_ar_and_the_next_message_is_applied(
    feed: tuple[Server, int, Api],
) -> None:
    server, port, api = feed
    head = api.last_position()
    with Mllp(port) as mllp:
        mllp.send_bytes(b"GET / HTTP/1.1\r\n\r\n")  # noise outside any frame: skipped
        refused = mllp.send("this is not an HL7 message")
        assert msa(refused)[0] == "AR", refused
        assert err_text(refused), refused
        assert api.last_position() == head
        ok = mllp.send(a01("FRAME-1", "E70", "M70", "Okafor", "Chidi", "FLOW^101^A"))
    assert msa(ok) == ("AA", "FRAME-1"), ok
    assert api.bed("FLOW", "FLOW-101-A")["encounter_id"] == "E70"
    assert logged(server, "sent 18 byte(s) outside any frame")


def test_a_message_over_1_mib_gets_ar_and_the_connection_keeps_working(
    feed: tuple[Server, int, Api],
) -> None:
    server, port, api = feed
    head = api.last_position()
    huge = (
        a01("HUGE-1", "E71", "M71", "Okafor", "Chidi", "FLOW^101^B")
        + "NTE|1||"
        + "x" * (1100 * 1024)
        + "\r"
    )
    with Mllp(port) as mllp:
        started = time.monotonic()
        refused = mllp.send(huge)
        assert msa(refused) == ("AR", "HUGE-1"), refused
        assert "larger than 1 MiB" in err_text(refused)
        assert api.last_position() == head
        ok = mllp.send(a01("HUGE-2", "E72", "M72", "Okafor", "Chidi", "FLOW^102^A"))
        assert time.monotonic() - started < 5
    assert msa(ok) == ("AA", "HUGE-2"), ok
    assert "E71" not in stays(api, "FLOW")
    assert api.bed("FLOW", "FLOW-102-A")["encounter_id"] == "E72"
    assert logged(server, "over the 1048576-byte limit")


def test_a_sender_that_stops_halfway_holds_only_its_own_connection(
    feed: tuple[Server, int, Api],
) -> None:
    server, port, api = feed
    with Mllp(port) as stuck, Mllp(port) as other:
        stuck.send_bytes(START_BLOCK + b"MSH|^~\\&|EPIC|RIVERSIDE|UNITBOARD|RIVERSIDE|2026")
        started = time.monotonic()
        ok = other.send(a01("HALF-1", "E73", "M73", "Okafor", "Chidi", "FLOW^102^B"))
        assert msa(ok) == ("AA", "HALF-1"), ok
        assert time.monotonic() - started < 2
        assert stuck.closed_by_server(within=6), "an idle connection is closed (after 3 s)"
    assert logged(server, "nothing came for 3 s")


def test_a_sender_outside_the_allow_list_is_cut_off(tmp_path: Path) -> None:
    server, port = feed_server(
        f"sqlite:///{tmp_path}/allow.db", tmp_path, "--hl7-allow", "10.0.0.0/8"
    )
    try:
        with Mllp(port) as mllp:
            assert mllp.closed_by_server(within=5)
            with pytest.raises(OSError):
                mllp.send(a01("DENY-1", "E80", "M80", "Okafor", "Chidi", "4W^401^A"))
        api = Api(server, create_token(server.database_url, "integration"))
        assert "E80" not in stays(api, "4W")
        assert logged(server, "listening on 127.0.0.1")
        assert logged(server, "from 10.0.0.0/8")
        assert logged(server, "not in --hl7-allow")
    finally:
        stopped(server)


SENDERS = 8
PER_SENDER = 25


def test_eight_senders_at_once_lose_nothing(feed: tuple[Server, int, Api]) -> None:
    server, port, api = feed
    head = api.last_position()

    def send_all(sender: int) -> list[tuple[str, str]]:
        answers = []
        with Mllp(port) as mllp:
            for n in range(PER_SENDER):
                slot = sender * PER_SENDER + n
                room, bed = slot // 2 + 1, "AB"[slot % 2]
                encounter = f"C{sender}-{n}"
                control = f"CONC-{sender}-{n}"
                message = a01(
                    control, encounter, f"MC{sender}-{n}", "Okafor", "Chidi", f"FLOW^{room}^{bed}"
                )
                answers.append((control, mllp.send(message)))
        return answers

    with ThreadPoolExecutor(SENDERS) as pool:
        results = [a for answers in pool.map(send_all, range(SENDERS)) for a in answers]

    assert len(results) == SENDERS * PER_SENDER
    for control, ack in results:
        assert msa(ack) == ("AA", control), ack
    expected = {f"C{s}-{n}" for s in range(SENDERS) for n in range(PER_SENDER)}
    assert {e for e in stays(api, "FLOW") if e.startswith("C")} == expected
    new = [e for e in api.all_events() if e["position"] > head]
    assert Counter(e["type"] for e in new) == {
        "AdmissionRequested": len(expected),
        "BedAssigned": len(expected),
        "PatientArrived": len(expected),
    }
    per_encounter = Counter(e["data"]["encounter_id"] for e in new)
    assert per_encounter == dict.fromkeys(expected, 3)
    positions = [e["position"] for e in new]
    assert positions == list(range(head + 1, head + 1 + len(new))), "no gap, no repeat"


def test_accents_and_escapes_arrive_as_written(feed: tuple[Server, int, Api]) -> None:
    server, port, api = feed
    with Mllp(port) as mllp:
        accented = mllp.send(a01("UTF-1", "E90", "M90", "Müller", "Zoé", "ICU^1^A"))
        escaped = mllp.send(
            a01("UTF-2", "E91", "M91", "Lévesque\\S\\Bürgi", "Anne\\T\\Marie", "ICU^2^A")
        )
    assert msa(accented) == ("AA", "UTF-1"), accented
    assert msa(escaped) == ("AA", "UTF-2"), escaped
    patients = stays(api, "ICU")
    assert (patients["E90"]["family_name"], patients["E90"]["given_name"]) == ("Müller", "Zoé")
    assert (patients["E91"]["family_name"], patients["E91"]["given_name"]) == (
        "Lévesque^Bürgi",
        "Anne&Marie",
    )
    recorded = {
        e["data"]["encounter_id"]: e["data"]["family_name"]
        for e in api.all_events()
        if e["type"] == "AdmissionRequested"
    }
    assert (recorded["E90"], recorded["E91"]) == ("Müller", "Lévesque^Bürgi")


def test_the_feed_flags_refuse_what_they_cannot_use_in_words(tmp_path: Path) -> None:
    database = ["--database-url", f"sqlite:///{tmp_path}/flags.db"]
    bad_network = run_cli(
        "serve", "--hl7-port", "0", "--hl7-allow", "10.0.0.0/8,10.0.0.300/8", *database
    )
    assert bad_network.returncode == 2
    assert "'10.0.0.300/8' is not an address or a network" in bad_network.stderr
    assert "10.20.0.0/16" in bad_network.stderr  # says how to write one
    bad_port = run_cli("serve", "--hl7-port", "hl7", *database)
    assert bad_port.returncode == 2 and "'hl7' is not a port number" in bad_port.stderr
    adt_alone = run_cli("serve", "--adt", *database)
    assert adt_alone.returncode == 2 and "use it with --demo" in adt_alone.stderr
    for refused in (bad_network, bad_port, adt_alone):
        assert "Traceback" not in refused.stderr


def test_stopping_the_server_closes_the_feeds_connections_at_once(tmp_path: Path) -> None:
    """(The port from UNITBOARD_HL7_PORT, and the address from --host, this time.)"""
    port = free_port()
    layout = tmp_path / "layout.toml"
    layout.write_text(LAYOUT)
    server = Server(
        f"sqlite:///{tmp_path}/stop.db",
        layout,
        tmp_path / "stop.log",
        serve_args=("--host", "127.0.0.1"),
        env={"UNITBOARD_HL7_PORT": str(port)},
    )
    server.start()
    try:
        with Mllp(port) as idle:
            ack = idle.send(a01("STOP-1", "E95", "M95", "Okafor", "Chidi", "4W^401^A"))
            assert msa(ack) == ("AA", "STOP-1"), ack
            assert server.process is not None
            started = time.monotonic()
            server.process.terminate()
            assert idle.closed_by_server(within=5)
            server.process.wait(10)  # uvicorn exits by the signal it stopped for
            assert time.monotonic() - started < 8
            assert logged(server, "Application shutdown complete"), "a clean stop, not a kill"
        with pytest.raises(OSError):
            Mllp(port)
    finally:
        stopped(server)
    assert "closed after 1 message(s): the server is stopping" in server.log_text()


def test_the_demo_with_adt_sends_its_activity_through_the_feed(tmp_path: Path) -> None:
    port = free_port()
    server = Server(
        f"sqlite:///{tmp_path}/demo.db",
        None,
        tmp_path / "demo.log",
        serve_args=("--demo", "--adt", "--hl7-port", str(port)),
    )
    server.start(timeout=60)
    try:
        assert logged(server, f"HL7 ADT feed (MLLP) listening on 127.0.0.1:{port}")
        api = Api(server, None)
        deadline = time.monotonic() + 30
        fed: list[dict[str, Any]] = []
        while not fed and time.monotonic() < deadline:
            fed = [e for e in api.all_events() if e["metadata"].get("hl7_event")]
            time.sleep(0.5)
        assert fed, "no event came through the feed within 30 s"
        assert fed[0]["metadata"]["hl7_event"].startswith("ADT^")
    finally:
        server.stop()
    server.assert_no_server_errors()


def test_a_feed_whose_database_hangs_sends_no_ack_and_the_message_sent_again_counts_once(
    tmp_path: Path,
) -> None:
    """PostgreSQL stops answering (a proxy that holds every byte): the message gets no ACK
    at all, so the engine keeps it queued and sends it again, where an AE would park it for
    a person. Once the database answers, the message sent again is applied, once."""
    url, drop = fresh_postgres_database()
    parsed = make_url(url)
    proxy = PausableProxy(parsed.host or "127.0.0.1", parsed.port or 5432)
    proxy.start()
    proxied = parsed.set(host="127.0.0.1", port=proxy.port).render_as_string(False)
    server, port = feed_server(proxied, tmp_path)
    try:
        api = Api(server, create_token(url, "integration"))
        head = api.last_position()
        admit = a01("HUNG-1", "E88", "M88", "Okafor", "Chidi", "FLOW^103^A")
        proxy.pause()
        with Mllp(port, timeout=30) as mllp:
            mllp.send_bytes(START_BLOCK + admit.encode() + END_BLOCK)
            assert mllp.closed_by_server(within=25), "an ACK (or nothing) while the log hung"
        proxy.resume()

        def sent_again() -> bool:
            try:
                with Mllp(port, timeout=30) as again:
                    return msa(again.send(admit)) == ("AA", "HUNG-1")
            except ConnectionError:  # no ACK yet: the engine waits and sends it again
                return False

        acked = wait_until(sent_again, 30, step=1.0)
        assert acked, "the message sent again was not applied once the database answered"
        recorded = [e for e in api.events(after=head)["events"] if e["stream_id"] == "stay-E88"]
        assert [e["type"] for e in recorded] == [
            "AdmissionRequested",
            "BedAssigned",
            "PatientArrived",
        ]
        assert api.bed("FLOW", "FLOW-103-A")["encounter_id"] == "E88"
    finally:
        proxy.resume()
        server.stop()
        proxy.stop()
        drop()
