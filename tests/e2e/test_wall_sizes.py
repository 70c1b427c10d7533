"""The wall display at the sizes hallways have (a 1366x768 TV, 1920x1080, 4K), for a unit of
10 beds, one of 24 (as the demo's 4W) and one of 40, each as busy as a ward gets: every bed
status, a confidential alias, a patient with every badge, a name alert, a room whose rules an
update broke. The whole unit fits the screen with nothing cut off or overlapping, the header
and clock in view, and the initials large for the screen; the screenshots are looked at.

It also shows, without identity, what the wall used to hide: an airborne patient in a shared
normal room, and two patients of one unit with sound-alike family names."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_support import Server, create_token, run_cli
from playwright.sync_api import Browser, Page, expect
from test_screens import SCREENSHOTS, browser

from hospital import admission

pytestmark = pytest.mark.browser
__all__ = ["browser"]

SIZES = [(1366, 768), (1920, 1080), (3840, 2160)]
UNITS = {
    # unit: its rooms' bed counts, two shared rooms first (the tiles the test makes busiest)
    "FEW": [2, 2, 1, 1, 1, 1, 1, 1],
    "MID": [2] * 8 + [1] * 8,  # the demo's 4W: 24 beds
    "BIG": [2, 2, 4, 4, 4, 4, 2, 2, 2, 2, 2, 2] + [1] * 8,  # 40 beds
}
NURSE_NAME = "Christopher Whitfield"  # "RN Christopher W." on the wall: a long nurse line
FAMILIES = [
    "Haddad",
    "Jensen",
    "Rossi",
    "Patel",
    "Dubois",
    "Tanaka",
    "Silva",
    "Kowalski",
    "Andersson",
    "Brown",
    "Moreau",
    "Ivanova",
    "Mensah",
    "Nguyen",
    "Cohen",
    "Lindqvist",
    "Abernathy",
    "Featherstonehaugh",
    "Wojciechowski",
    "Yamamoto",
    "Quigley",
    "Ekwueme",
    "Bergstrom",
    "Castellanos",
    "Delacroix",
    "Fitzgerald",
    "Gutierrez",
    "Hoffmann",
    "Iwu",
    "Jablonski",
    "Kaminski",
    "Lorenz",
    "Mwangi",
    "Novak",
]
"""Family names for the ordinary patients, none sounding like another (nor like Smith)."""


def layout() -> str:
    lines = ['[hospital]\nname = "Riverside General Hospital"\n']
    for unit, rooms in UNITS.items():
        lines.append(f'[[unit]]\nid = "{unit}"\nname = "{unit} Medical"\nmixed_sex_rooms = true\n')
        for number, size in enumerate(rooms, start=1):
            beds = ", ".join(f'"{chr(65 + i)}"' for i in range(size))
            features = '["private"]' if size == 1 else '["telemetry"]'
            lines.append(f'[[unit.room]]\nid = "{number:02d}"\nbeds = [{beds}]\n')
            lines.append(f"features = {features}\n")
    return "\n".join(lines)


def bed_ids(unit: str) -> list[str]:
    return [
        f"{unit}-{number:02d}-{chr(65 + i)}"
        for number, size in enumerate(UNITS[unit], start=1)
        for i in range(size)
    ]


@dataclass
class Wall:
    server: Server
    desk: str
    charge: str
    display: str

    def command(self, name: str, data: dict[str, Any], token: str = "") -> None:
        response = httpx.post(
            f"{self.server.base_url}/api/commands",
            json={"command": name, "data": data},
            headers={"Authorization": f"Bearer {token or self.desk}"},
            timeout=10,
        )
        assert response.status_code == 200, (name, data, response.text)

    def admit(self, encounter_id: str, bed_id: str, arrive: bool = True, **patient: Any) -> None:
        unit = bed_id.split("-", 1)[0]
        data = admission(encounter_id, unit_id=unit, mrn=f"MRN-{encounter_id}", **patient)
        self.command("RequestAdmission", data)
        self.command("AssignBed", {"encounter_id": encounter_id, "bed_id": bed_id})
        if arrive:
            self.command("MarkArrived", {"encounter_id": encounter_id})

    def fill(self, unit: str) -> None:
        """A unit as busy as they get (see the module's docstring)."""
        beds = bed_ids(unit)
        other_unit = next(u for u in UNITS if u != unit)
        # a shared room whose rules an update in place broke: airborne, not a negative-pressure
        # room, and not alone
        self.admit(f"{unit}-AIR-1", beds[0], family_name="Garcia", given_name="Ana")
        self.admit(f"{unit}-AIR-2", beds[1], family_name="Okafor", given_name="Obi")
        self.command("UpdatePatient", {"encounter_id": f"{unit}-AIR-2", "isolation": "airborne"})
        # every badge on one tile: a name alert, a discharge, a transfer; and a nurse
        busy = f"{unit}-SMITH"
        self.admit(busy, beds[2], family_name="Smith", given_name="Wendy", fall_risk=True)
        self.command("OrderDischarge", {"encounter_id": busy})
        transfer = {"encounter_id": busy, "to_unit_id": other_unit, "reason": "step up"}
        self.command("RequestTransfer", transfer)
        self.command("AssignNurse", {"encounter_id": busy, "nurse": "chris"}, self.charge)
        # the sound-alike, arriving
        smyth = f"{unit}-SMYTH"
        self.admit(smyth, beds[3], arrive=False, family_name="Smyth", given_name="Will")
        singles = beds[4:]
        self.admit(
            f"{unit}-MU",
            singles[-1],
            family_name="Müller",
            given_name="Wilhelmina",
            isolation="contact",
            fall_risk=True,
        )
        self.command("AssignNurse", {"encounter_id": f"{unit}-MU", "nurse": "chris"}, self.charge)
        self.admit(f"{unit}-VIP", singles[-2], family_name="Zabriskie", confidential=True)
        self.command("BlockBed", {"bed_id": singles[-3], "reason": "Rail", "kind": "maintenance"})
        self.command("MarkBedDirty", {"bed_id": singles[-4], "priority": "stat"})
        self.command("MarkBedDirty", {"bed_id": singles[-5]})
        self.command("StartCleaning", {"bed_id": singles[-5]})
        for n, bed_id in enumerate(singles[:-6]):
            if n % 5 == 4:
                continue  # a ready bed now and then
            family = FAMILIES[n % len(FAMILIES)]
            self.admit(f"{unit}-P{n}", bed_id, family_name=family, given_name="Mateo")


@pytest.fixture(scope="module")
def walls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Wall]:
    tmp = tmp_path_factory.mktemp("wall-sizes")
    layout_file = tmp / "layout.toml"
    layout_file.write_text(layout())
    server = Server(f"sqlite:///{tmp}/walls.db", layout_file, tmp / "server.log")
    server.start(timeout=30)
    try:
        database = server.database_url
        units = [arg for unit in UNITS for arg in ("--unit", unit)]
        add = ["users", "add", "chris", "--role", "nurse", "--name", NURSE_NAME, *units]
        added = run_cli(*add, "--database-url", database, stdin="a long nurse password\n")
        assert added.returncode == 0, added.stderr
        wall = Wall(
            server,
            create_token(database, "secretary", "walls-desk"),
            create_token(database, "charge_nurse", "walls-charge"),
            create_token(database, "display", "walls-display"),
        )
        for unit in UNITS:
            wall.fill(unit)
        yield wall
    finally:
        server.stop()
    server.assert_no_server_errors()


def open_wall(browser: Browser, wall: Wall, unit: str, width: int, height: int) -> Page:
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(f"{wall.server.base_url}/display/{unit}#token={wall.display}")
    expect(page.locator("#offline")).to_be_hidden()
    expect(page.locator(".bed")).to_have_count(len(bed_ids(unit)))
    page.evaluate("document.fonts.ready.then(() => true)")
    return page


PROBLEMS = """
() => {
  const problems = [];
  const vw = window.innerWidth, vh = window.innerHeight;
  const page = document.scrollingElement;
  if (page.scrollWidth > vw) problems.push(`the page is ${page.scrollWidth} px wide in ${vw}`);
  if (page.scrollHeight > vh) problems.push(`the page is ${page.scrollHeight} px tall in ${vh}`);
  const rect = (el) => el.getBoundingClientRect();
  const inside = (r, box) => r.left >= box.left - 1 && r.top >= box.top - 1 &&
    r.right <= box.right + 1 && r.bottom <= box.bottom + 1;
  const screen = {left: 0, top: 0, right: vw, bottom: vh};
  const where = (el) => (el.closest("[id]") || {}).id;
  const parts = ["#clock", ".wall-header .unit", "#display-stats", "#display-grid", ".legend"];
  for (const sel of parts) {
    if (!inside(rect(document.querySelector(sel)), screen)) problems.push(`${sel} is off-screen`);
  }
  const texts = ".bed-label, .bed-status, .patient, .nurse, .badge, .reason, .icon, " +
    ".room-label, .room-warning, .feature, .stat-value, .stat-label, .unit, .hospital, #clock";
  for (const el of document.querySelectorAll(texts)) {
    if (el.scrollWidth > el.clientWidth + 1) {  // wider than its box: cut off, or an ellipsis
      problems.push(`cut off: .${el.className} "${el.textContent.trim()}" in ${where(el)} ` +
        `(${el.scrollWidth}x${el.scrollHeight} in ${el.clientWidth}x${el.clientHeight})`);
    }
  }
  const beds = [...document.querySelectorAll(".bed")];
  for (const bed of beds) {
    const box = rect(bed);
    for (const part of bed.querySelectorAll(".bed-body *")) {
      if (!inside(rect(part), box)) {
        problems.push(`.${part.className} "${part.textContent.trim()}" sticks out of ${bed.id}`);
      }
    }
  }
  for (const room of document.querySelectorAll(".room")) {
    for (const part of room.querySelectorAll(".room-head *")) {
      if (!inside(rect(part), rect(room))) {
        problems.push(`${part.className} sticks out of ${room.id}`);
      }
    }
  }
  for (let i = 0; i < beds.length; i++) {
    for (let j = i + 1; j < beds.length; j++) {
      const a = rect(beds[i]), b = rect(beds[j]);
      const apart = a.right <= b.left + 1 || b.right <= a.left + 1 ||
        a.bottom <= b.top + 1 || b.bottom <= a.top + 1;
      if (!apart) {
        problems.push(`${beds[i].id} overlaps ${beds[j].id}`);
      }
    }
  }
  const header = rect(document.querySelector(".wall-header"));
  const grid = rect(document.querySelector("#display-grid"));
  const legend = rect(document.querySelector(".legend"));
  if (grid.top < header.bottom || legend.top < grid.bottom) problems.push("the grid overlaps");
  return problems;
}
"""

SIZES_OF = """
() => ({
  initials: Math.min(...[...document.querySelectorAll(".bed .patient:not(.patient-long)")]
    .map((el) => parseFloat(getComputedStyle(el).fontSize))),
  labels: Math.min(...[...document.querySelectorAll(".bed .bed-label")]
    .map((el) => parseFloat(getComputedStyle(el).fontSize))),
  clock: parseFloat(getComputedStyle(document.getElementById("clock")).fontSize),
  tiles: [...document.querySelectorAll(".bed")].map((el) => el.getBoundingClientRect().height),
})
"""


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("unit", list(UNITS))
def test_the_whole_unit_fits_the_screen_legibly(
    browser: Browser, walls: Wall, unit: str, width: int, height: int
) -> None:
    page = open_wall(browser, walls, unit, width, height)
    path = SCREENSHOTS / f"wall-{unit.lower()}-{len(bed_ids(unit))}-beds-{width}x{height}.png"
    page.screenshot(path=str(path))
    problems: list[str] = page.evaluate(PROBLEMS)
    assert problems == [], f"{path}:\n" + "\n".join(problems)
    sizes: dict[str, Any] = page.evaluate(SIZES_OF)
    # from three metres: initials and bed letters at least 2.5 % of the screen's height
    # (19 px on a 768-line TV, 54 px on a 4K one) on every tile, the clock 5 %
    assert sizes["initials"] >= 0.025 * height, sizes
    assert sizes["labels"] >= 0.025 * height, sizes
    assert sizes["clock"] >= 0.05 * height, sizes
    assert min(sizes["tiles"]) >= 0.1 * height, sizes  # the screen is used, not a corner of it
    page.context.close()


def test_the_wall_shows_the_broken_room_and_the_name_alert_without_identity(
    browser: Browser, walls: Wall
) -> None:
    page = open_wall(browser, walls, "MID", 1366, 768)
    room = page.locator("#room-MID-01")
    expect(room).to_have_class("room room-warn")
    expect(room.locator(".room-warning")).to_have_text(["⚠ Needs NP room", "⚠ Isolation shared"])
    for bed_id in ("MID-01-B", "MID-02-A"):
        expect(page.locator(f"#bed-{bed_id} .patient")).not_to_have_text("")
    expect(page.locator("#bed-MID-02-A .badge.name-alert")).to_have_text("Name alert")
    expect(page.locator("#bed-MID-02-B .badge.name-alert")).to_have_text("Name alert")
    expect(page.locator(".bed.name-alert")).to_have_count(2)
    html = page.content()
    for secret in ("Smith", "Smyth", "Garcia", "Okafor", "Zabriskie", "MRN-", "MID-SMITH"):
        assert secret not in html, secret
    page.context.close()


def test_the_station_shows_the_broken_room_and_the_name_alert(
    browser: Browser, walls: Wall, tmp_path: Path
) -> None:
    base = walls.server.base_url
    added = run_cli(
        *("users", "add", "desk", "--role", "secretary", "--unit", "MID"),
        *("--database-url", walls.server.database_url),
        stdin="a long desk password\n",
    )
    assert added.returncode == 0, added.stderr
    page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=username]", "desk")
    page.fill("input[name=password]", "a long desk password")
    page.click("button[type=submit]")
    page.goto(f"{base}/station/MID")
    smith = page.locator("#bed-MID-02-A")
    expect(smith.locator(".badge.name-alert")).to_have_text("Name alert")
    expect(smith.locator(".badge.name-alert")).to_have_attribute(
        "title", "Same or sound-alike family name in MID-02-B: check two identifiers"
    )
    airborne = page.locator("#bed-MID-01-A")
    warning = "⚠ Airborne precautions need a negative-pressure room"
    expect(airborne.locator(".st-warning").first).to_have_text(warning)
    airborne.click()
    panel = page.locator("#panel")
    expect(panel.locator(".st-warning").first).to_have_text(warning)
    page.locator("#bed-MID-02-B").click()
    expect(panel.locator(".st-name-alert")).to_contain_text("MID-02-A")
    page.screenshot(path=str(SCREENSHOTS / "station-alerts-1366x768.png"))
    page.context.close()
