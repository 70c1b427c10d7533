"""Orders and prints through a real `unitboard serve` process, on SQLite and on PostgreSQL:
an order entered over `POST /api/commands` is listed by `GET /api/stays/{id}/orders` with
every field of the contract's ORDER (fitting the OpenAPI description the server publishes)
and by the directing provider's `GET /api/orders?unsigned=true`; only that provider
co-signs, once; every refusal is readable JSON with its status and records nothing; each
role reads what its row of the READS table allows. The armband and label downloads are
recorded (who printed what for whom) before they are made, and carry the patient's MRN."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pypdfium2
import pytest
import zxingcpp
from api_support import Api, People, Server, refused, running_server

from hospital import LAYOUT, admission
from unitboard.printing import read_band_payload, read_mrn_payload

ORDER_KEYS = {
    "order_id", "encounter_id", "category", "detail", "priority", "mode",
    "directing_provider", "read_back", "status", "entered_by", "entered_at",
    "acknowledged_by", "acknowledged_at", "cosigned_at", "cosign_due_at", "overdue",
}  # fmt: skip
BIRTH_DATE = "1950-04-02"
"""The test patients' birth date (tests/hospital.py); their MRN is MRN-<encounter id>."""


class Ward:
    """A server with E1 admitted to 4W-401-A and E2 waiting for a bed; the providers Pat and
    Lee, the nurse Noor and the secretary Sam (each a person with a personal token); and a
    token per role the tests read with."""

    def __init__(self, server: Server, http: httpx.Client, people: People) -> None:
        self.http = http
        self.api: dict[str, Api] = {}
        for username, role, name in [
            ("pat", "provider", "Pat Provider"),
            ("lee", "provider", "Lee Other"),
            ("noor", "nurse", "Noor Nurse"),
            ("sam", "secretary", "Sam Secretary"),
            ("casey", "charge_nurse", "Casey Charge"),
        ]:
            self.api[username] = Api(http, people.person(username, role, name, ("4W",)))
        for name, role, unit in [
            ("auditor", "admin", None),
            ("wall", "display", "4W"),
            ("evs-tablet", "evs", None),
            ("transport-tablet", "transport", None),
            ("icu-desk", "secretary", "ICU"),
        ]:
            self.api[name] = Api(http, people.token(name, role, unit))
        sam = self.api["sam"]
        sam.ok("RequestAdmission", admission("E1"))
        sam.ok("AssignBed", {"encounter_id": "E1", "bed_id": "4W-401-A"})
        sam.ok("MarkArrived", {"encounter_id": "E1"})
        sam.ok("RequestAdmission", admission("E2"))
        self.document: dict[str, Any] = http.get("/api/openapi.json").json()

    def __getitem__(self, name: str) -> Api:
        return self.api[name]

    def enter(self, by: str = "sam", **data: Any) -> str:
        answer = self[by].ok("EnterOrder", order_data(**data))
        (entered,) = answer["events"]
        assert entered["type"] == "OrderEntered"
        order_id: str = entered["data"]["order_id"]
        return order_id

    def orders(self, encounter_id: str = "E1", by: str = "sam") -> dict[str, dict[str, Any]]:
        answer = self[by].read(f"/api/stays/{encounter_id}/orders")
        self.check_shape("Orders", answer)
        return {order["order_id"]: order for order in answer["orders"]}

    def check_shape(self, schema: str, answer: dict[str, Any]) -> None:
        import jsonschema_rs

        described = {"$ref": f"#/components/schemas/{schema}", **self.document}
        jsonschema_rs.Draft202012Validator(described, validate_formats=True).validate(answer)

    def head(self) -> int:
        after = 0
        while True:
            page = self["auditor"].read("/api/events", after=str(after), limit="1000")
            if not page["events"]:
                return after
            after = page["last_position"]

    def events_of(self, stream_id: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        after = 0
        while True:
            page = self["auditor"].read("/api/events", after=str(after), limit="1000")
            if not page["events"]:
                return found
            found += [e for e in page["events"] if e["stream_id"] == stream_id]
            after = page["last_position"]


def scanned(pdf: bytes) -> list[dict[str, str]]:
    """Each page rendered at 300 dpi, and its barcodes as a scanner reads them (the first of
    each symbology)."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        pages = []
        for page in document:
            image = page.render(scale=300 / 72).to_pil()
            codes: dict[str, str] = {}
            for code in zxingcpp.read_barcodes(image):
                codes.setdefault(code.format.name, code.text)
            pages.append(codes)
        return pages
    finally:
        document.close()


def order_data(**data: Any) -> dict[str, Any]:
    encounter_id = data.get("encounter_id", "E1")
    return {
        "encounter_id": encounter_id,
        "mrn": f"MRN-{encounter_id}",
        "birth_date": BIRTH_DATE,
        "category": "lab",
        "detail": "CBC in the morning",
        "priority": "routine",
        "mode": "written",
        "directing_provider": "pat",
        **data,
    }


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def ward(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Ward]:
    tmp = tmp_path_factory.mktemp("orders")
    with running_server(request.param, tmp, LAYOUT) as (server, http, people):
        yield Ward(server, http, people)


# -- the order as the contract shapes it ---------------------------------------------------


def test_a_telephone_order_is_listed_with_every_field_and_cosigned_once(ward: Ward) -> None:
    order_id = ward.enter(mode="telephone", read_back=True, priority="stat")
    order = ward.orders()[order_id]
    assert set(order) >= ORDER_KEYS
    assert (order["mode"], order["read_back"], order["priority"]) == ("telephone", True, "stat")
    assert (order["entered_by"], order["received_by"], order["directing_provider"]) == (
        "sam",
        "sam",
        "pat",
    )
    assert (order["status"], order["state"], order["overdue"]) == ("active", "new", False)
    assert order["cosign_due_at"] > order["entered_at"]

    queue = ward["pat"].read("/api/orders", unsigned="true")
    ward.check_shape("Orders", queue)
    assert order_id in [o["order_id"] for o in queue["orders"]]
    assert order_id not in [o["order_id"] for o in ward["lee"].read("/api/orders")["orders"]]

    head = ward.head()
    refused(ward["lee"].post("CosignOrder", {"order_id": order_id}), 403, "forbidden", "Pat")
    assert ward.head() == head
    ward["pat"].ok("CosignOrder", {"order_id": order_id})
    refused(ward["pat"].post("CosignOrder", {"order_id": order_id}), 409, "rule_violation", "once")
    order = ward.orders()[order_id]
    assert order["cosigned_by"] == "pat" and order["cosigned_at"] and order["state"] == "cosigned"
    queue = ward["pat"].read("/api/orders", unsigned="true")
    assert order_id not in [o["order_id"] for o in queue["orders"]]


def test_a_nurse_acknowledges_and_the_record_keeps_who_and_when(ward: Ward) -> None:
    order_id = ward.enter(mode="verbal", read_back=True, received_by="noor")
    ward["noor"].ok("AcknowledgeOrder", {"order_id": order_id})
    order = ward.orders(by="noor")[order_id]
    assert (order["received_by"], order["acknowledged_by"]) == ("noor", "noor")
    assert order["acknowledged_at"] >= order["entered_at"]
    ward["casey"].ok("DiscontinueOrder", {"order_id": order_id, "reason": "Drawn in ED."})
    order = ward.orders()[order_id]
    assert (order["status"], order["discontinue_reason"]) == ("discontinued", "Drawn in ED.")


@pytest.mark.parametrize(
    ("by", "data", "status", "code", "words"),
    [
        ("sam", {"mrn": "MRN-E2"}, 422, "invalid", ("MRN-E2", "requisition")),
        ("sam", {"birth_date": "1950-02-04"}, 422, "invalid", ("birth date 1950-02-04",)),
        ("sam", {"mode": "telephone"}, 422, "invalid", ("read back", "Pat Provider")),
        ("sam", {"category": "medication"}, 403, "forbidden", ("licensed",)),
        ("sam", {"directing_provider": "noor"}, 404, "not_found", ("provider",)),
        ("sam", {"encounter_id": "E404"}, 404, "not_found", ("E404",)),
        ("sam", {"detail": ""}, 422, "invalid_input", ("detail",)),
        ("noor", {"category": "surgery"}, 422, "invalid_input", ("category",)),
        ("pat", {}, 403, "forbidden", ()),
        ("wall", {}, 403, "forbidden", ()),
    ],
)
def test_a_refused_order_says_why_and_records_nothing(
    ward: Ward, by: str, data: dict[str, Any], status: int, code: str, words: tuple[str, ...]
) -> None:
    head = ward.head()
    refused(ward[by].post("EnterOrder", order_data(**data)), status, code, *words)
    assert ward.head() == head


def test_a_nurse_enters_a_medication_order_the_secretary_may_not(ward: Ward) -> None:
    order_id = ward.enter(by="noor", category="medication", detail="Acetaminophen 650 mg PO")
    assert ward.orders()[order_id]["category"] == "medication"


def test_acknowledging_a_discontinued_order_is_refused_with_the_reason(ward: Ward) -> None:
    order_id = ward.enter()
    ward["pat"].ok("DiscontinueOrder", {"order_id": order_id, "reason": "Wrong patient."})
    head = ward.head()
    refused(
        ward["noor"].post("AcknowledgeOrder", {"order_id": order_id}),
        409,
        "rule_violation",
        "Wrong patient",
    )
    assert ward.head() == head


@pytest.mark.parametrize("reader", ["wall", "evs-tablet", "transport-tablet"])
def test_roles_that_do_not_work_with_orders_do_not_read_them(ward: Ward, reader: str) -> None:
    refused(ward[reader].get("/api/stays/E1/orders"), 403, "forbidden", "orders")
    refused(ward[reader].get("/api/orders", unsigned="true"), 403, "forbidden", "orders")


def test_a_units_token_reads_its_units_orders_only(ward: Ward) -> None:
    refused(ward["icu-desk"].get("/api/stays/E1/orders"), 403, "forbidden", "ICU")
    refused(ward["sam"].get("/api/stays/E404/orders"), 404, "not_found", "E404")


# -- armbands and labels --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "media_type", "document", "start"),
    [
        ("armband.pdf", "application/pdf", "armband_pdf", b"%PDF"),
        ("armband.zpl", "application/vnd.zebra-zpl", "armband_zpl", b"^XA"),
        ("labels.pdf?count=4", "application/pdf", "labels_pdf", b"%PDF"),
    ],
)
def test_each_print_is_recorded_with_who_printed_what_for_whom(
    ward: Ward, path: str, media_type: str, document: str, start: bytes
) -> None:
    before = len(ward.events_of("stay-E1"))
    name, _, count = path.partition("?count=")
    params = {"count": count} if count else {}
    response = ward["noor"].get(f"/api/stays/E1/{name}", **params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(media_type)
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.lstrip().startswith(start)
    printed = ward.events_of("stay-E1")[before:]
    assert [e["type"] for e in printed] == ["IdentificationPrinted"]
    data = printed[0]["data"]
    assert (data["document"], data["mrn"], data["by"]) == (document, "MRN-E1", "noor")
    if document == "labels_pdf":
        assert data["copies"] == 4
    if start == b"%PDF":  # the download scans back to this patient, as a reader would scan it
        for codes in scanned(response.content):
            assert read_band_payload(codes["DataMatrix"]) == ("MRN-E1", "E1")
            if document == "labels_pdf":
                assert read_mrn_payload(codes["Code128"]) == "MRN-E1"
    if document == "armband_zpl":
        assert "MRN-E1" in response.text and "^BX" in response.text


@pytest.mark.parametrize("reader", ["wall", "pat", "evs-tablet", "auditor"])
def test_who_does_not_print_bands_is_refused_and_nothing_is_recorded(
    ward: Ward, reader: str
) -> None:
    head = ward.head()
    refused(ward[reader].get("/api/stays/E1/armband.pdf"), 403, "forbidden", "print")
    assert ward.head() == head


def test_a_patient_waiting_for_a_bed_gets_no_band_yet(ward: Ward) -> None:
    head = ward.head()
    refused(ward["sam"].get("/api/stays/E2/armband.pdf"), 409, "rule_violation", "admitted")
    assert ward.head() == head
