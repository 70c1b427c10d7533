"""The screens under their Content-Security-Policy, in a real browser (headless Chromium): the
login page, the station, the EVS tablet and the wall display load and work with nothing inline
and htmx's eval off. The browser reports every blocked script, style or handler (a
`securitypolicyviolation` event, and a console error); none may occur, and the live pushes over
the screen's WebSocket (connect-src 'self') still arrive."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Error, Page, Response, expect
from test_screens import Hospital, browser, demo_hospital, tile, wall

pytestmark = pytest.mark.browser
__all__ = ["browser"]

REPORT = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.unitboardReport(
    `${e.effectiveDirective} blocked ${e.blockedURI || "inline"} at ` +
    `${e.sourceFile}:${e.lineNumber} ${e.sample || ""}`);
});
document.addEventListener("htmx:evalDisallowedError", (e) => {
  window.unitboardReport(`htmx refused to evaluate code for ${e.target.outerHTML.slice(0, 80)}`);
});
"""
"""Runs in every document before its own scripts: tells the test what the browser refused."""


@dataclass
class Watch:
    """What the browser refused or complained about on one page, across its navigations."""

    refused: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def console(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            self.console_errors.append(f"{message.type}: {message.text}")

    def page_error(self, error: Error) -> None:
        self.page_errors.append(str(error))

    def assert_clean(self, page: Page) -> None:
        page.evaluate("() => new Promise((done) => setTimeout(done, 200))")  # late reports
        assert self.refused == [], self.refused
        assert self.console_errors == [], self.console_errors
        assert self.page_errors == [], self.page_errors


def watch(page: Page) -> Watch:
    """Watch `page` from its next navigation on (every document of its browser context)."""
    seen = Watch()
    page.context.expose_binding("unitboardReport", lambda _source, text: seen.refused.append(text))
    page.context.add_init_script(REPORT)
    page.on("console", seen.console)
    page.on("pageerror", seen.page_error)
    return seen


def assert_policed(response: Response | None) -> None:
    """The document came with the policy: a page with no policy would have nothing to refuse."""
    assert response is not None and response.ok
    policy = response.header_value("content-security-policy") or ""
    assert "script-src 'self'" in policy and "style-src 'self'" in policy, policy
    assert "unsafe" not in policy, policy


def assert_htmx_evaluates_nothing(page: Page) -> None:
    config: dict[str, Any] = page.evaluate(
        "({allowEval: htmx.config.allowEval, allowScriptTags: htmx.config.allowScriptTags,"
        " indicators: htmx.config.includeIndicatorStyles})"
    )
    assert config == {"allowEval": False, "allowScriptTags": False, "indicators": False}


def log_in(browser: Browser, hospital: Hospital, user: str, password: str) -> tuple[Page, Watch]:
    """The login page watched from its first byte, then the screen it leads to."""
    page = browser.new_context(viewport={"width": 1600, "height": 900}).new_page()
    seen = watch(page)
    assert_policed(page.goto(f"{hospital.server.base_url}/login"))
    assert_htmx_evaluates_nothing(page)
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    return page, seen


@pytest.fixture(scope="module")
def hospital(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hospital]:
    yield from demo_hospital(tmp_path_factory.mktemp("csp"), "csp")


def test_the_station_works_under_its_policy(browser: Browser, hospital: Hospital) -> None:
    desk, seen = log_in(browser, hospital, "secretary", "secretary-demo")
    expect(desk).to_have_url(re.compile(r"/station/4W$"))
    assert_policed(desk.reload())
    expect(desk.locator("#offline")).to_be_hidden()
    assert_htmx_evaluates_nothing(desk)

    bed = hospital.free_clean_bed()
    tile(desk, bed).click()  # the panel comes by htmx
    panel = desk.locator("#panel")
    expect(panel).not_to_have_class(re.compile(r"\bempty\b"))
    panel.locator("button.close").click()  # was an inline onclick
    expect(panel).to_have_class(re.compile(r"\bempty\b"))

    hospital.command("MarkBedDirty", {"bed_id": bed})  # a push over the socket
    expect(tile(desk, bed)).to_have_attribute("data-status", "dirty")
    tile(desk, bed).click()
    panel.get_by_role("button", name="Start cleaning").click()  # a form posted by htmx
    expect(tile(desk, bed)).to_have_attribute("data-status", "cleaning")
    desk.keyboard.press("Escape")
    expect(panel).to_have_class(re.compile(r"\bempty\b"))
    desk.locator("#st-filter").fill(bed[-3:])
    expect(tile(desk, bed)).not_to_have_class(re.compile(r"\bdim\b"))
    hospital.command("MarkBedClean", {"bed_id": bed})
    expect(tile(desk, bed)).to_have_attribute("data-status", "clean")
    assert desk.evaluate("performance.getEntriesByType('navigation').length") == 1
    seen.assert_clean(desk)


def test_the_evs_tablet_works_under_its_policy(browser: Browser, hospital: Hospital) -> None:
    tablet, seen = log_in(browser, hospital, "evs", "evs-demo")
    expect(tablet).to_have_url(re.compile(r"/evs$"))
    assert_policed(tablet.reload())
    expect(tablet.locator("#offline")).to_be_hidden()
    assert_htmx_evaluates_nothing(tablet)

    bed = hospital.free_clean_bed()
    hospital.command("MarkBedDirty", {"bed_id": bed})  # a push over the socket
    row = tablet.locator(f"#evs-{bed}")
    expect(row).to_be_visible()
    row.get_by_role("button", name="Start cleaning").click()  # CSRF from hx-headers (JSON)
    expect(tablet.locator(f"#evs-{bed} .evs-status")).to_have_text("Cleaning")
    tablet.locator(f"#evs-{bed}").get_by_role("button", name="Finished — clean").click()
    expect(tablet.locator(f"#evs-{bed}")).to_have_count(0)
    seen.assert_clean(tablet)


def test_the_wall_display_works_under_its_policy(browser: Browser, hospital: Hospital) -> None:
    kiosk = browser.new_context().new_page()  # no session yet: where a display starts
    started = watch(kiosk)
    assert_policed(kiosk.goto(f"{hospital.server.base_url}/display/4W"))
    started.assert_clean(kiosk)

    display = wall(browser, hospital)  # its device session, however the display gets one
    seen = watch(display)
    assert_policed(display.reload())
    expect(display.locator("#offline")).to_be_hidden()
    assert_htmx_evaluates_nothing(display)

    # each room spans its beds' width without an inline style (ten or more: the whole row)
    widths = display.locator(".room").evaluate_all(
        "rooms => rooms.map(r => [Number(r.dataset.beds),"
        " Number(getComputedStyle(r).getPropertyValue('--beds'))])"
    )
    assert widths and all(width == min(beds, 10) for beds, width in widths), widths
    assert any(beds > 1 for beds, _ in widths), widths

    bed = hospital.free_clean_bed()
    hospital.command("MarkBedDirty", {"bed_id": bed})  # a push over the socket
    expect(tile(display, bed)).to_have_attribute("data-status", "dirty")
    hospital.command("StartCleaning", {"bed_id": bed})
    hospital.command("MarkBedClean", {"bed_id": bed})
    expect(tile(display, bed)).to_have_attribute("data-status", "clean")
    assert display.evaluate("performance.getEntriesByType('navigation').length") == 1
    seen.assert_clean(display)
