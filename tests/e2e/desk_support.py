"""Helpers for the browser tests of the desk screens (house view, accounts) and the unit
switcher: a person logged in at a given screen size, a person added with the CLI, the sizes
people use, and a screenshot that checks the page does not overflow sideways."""

from __future__ import annotations

import re
from typing import Any

from e2e_support import run_cli
from playwright.sync_api import Browser, Page, expect
from test_screens import SCREENSHOTS, Hospital

SIZES = {
    "hallway-tv": (1366, 768),
    "desktop": (1920, 1080),
    "4k": (3840, 2160),
    "tablet": (1024, 768),
    "phone": (360, 740),
}
"""The screen sizes people use: a hallway TV and a laptop, a desk monitor, a 4K wall, a
tablet, a phone."""


def log_in(
    browser: Browser, hospital: Hospital, user: str, password: str, size: str = "desktop"
) -> Page:
    width, height = SIZES[size]
    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    page.goto(f"{hospital.server.base_url}/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    expect(page.locator(".refusal")).to_have_count(0)
    return page


def add_person(hospital: Hospital, username: str, role: str, *units: str) -> str:
    """`unitboard users add` with these units; the password it was given."""
    password = f"{username}-password"
    args = ["users", "add", username, "--role", role, "--name", username.title()]
    for unit in units:
        args += ["--unit", unit]
    done = run_cli(*args, "--database-url", hospital.server.database_url, stdin=password + "\n")
    assert done.returncode == 0, done.stderr
    return password


def csrf_of(page: Page) -> dict[str, str]:
    """The CSRF header a screen's htmx requests carry (its container's hx-headers)."""
    headers: dict[str, str] = page.evaluate(
        "JSON.parse(document.querySelector('[hx-headers]').getAttribute('hx-headers'))"
    )
    return headers


def shoot(page: Page, name: str, size: str) -> None:
    """A screenshot at `size`, the page no wider than the screen (tables scroll within)."""
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    page.wait_for_timeout(300)
    overflow: Any = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= width, f"{name} at {size}: the page is {overflow} px wide"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{size}.png"))


def url_ends(page: Page, path: str) -> None:
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))
