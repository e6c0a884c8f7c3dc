"""Drives the RabbitMQ management UI in headless Chromium, as a person would: log in, open Queues.

Used by the browser test and by `make ui-screenshot`. Debian's Chromium (`make deps`) is driven
through Playwright's Python client with `executable_path`, so no browser is ever downloaded.
"""

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote

from playwright.async_api import Page, async_playwright

from stack.wait import NotYet, eventually

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# What this machine needs: no sandbox (root), no GPU, and no background traffic to the outside.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 900}

Rows = dict[str, dict[str, str]]  # queue name -> column header -> cell text


def chromium() -> str | None:
    """The Chromium executable, or None when it is not installed."""
    path = shutil.which(CHROMIUM)
    return path if path and os.access(path, os.X_OK) else None


async def log_in(page: Page, ui_url: str, user: str, password: str, timeout_ms: float) -> None:
    await page.goto(ui_url.rstrip("/") + "/#/queues", timeout=timeout_ms)
    await page.fill("input[name=username]", user, timeout=timeout_ms)
    await page.fill("input[name=password]", password)
    await page.click("#login input[type=submit]")
    await page.wait_for_selector("#logout", timeout=timeout_ms)


async def show_vhost(page: Page, vhost: str, timeout_ms: float) -> None:
    """Narrow the pages to one virtual host (the selector only shows when there is more than one)."""
    if await page.is_visible("#show-vhost"):
        options = await page.eval_on_selector_all("#show-vhost option", "os => os.map(o => o.value)")
        assert vhost in options, f"virtual host {vhost!r} is not in the UI's list {options}"
        await page.select_option("#show-vhost", vhost, timeout=timeout_ms)


async def show_consumer_count(page: Page, timeout_ms: float) -> None:
    """Tick 'Consumer count' in the table's +/- column options (off by default)."""
    await page.click(".popup-options-link[for=queues]", timeout=timeout_ms)
    popup = page.locator(".form-popup-options").last  # the old popup may still be fading out
    box = popup.locator("input[name=queues-consumers]")
    if not await box.is_checked(timeout=timeout_ms):
        await box.click(timeout=timeout_ms)  # the form submits itself on click
    await popup.locator("span", has_text="Close").click(timeout=timeout_ms)
    await page.wait_for_selector(".form-popup-options", state="detached", timeout=timeout_ms)
    await page.wait_for_selector("#main table.list th:has-text('Consumers')", timeout=timeout_ms)


# For each row of the Queues table: its link (#/queues/<vhost>/<name>) and {column header: cell text}.
_READ_ROWS = """table => {
    const headers = Array.from(table.querySelectorAll('thead tr:last-child th')).map(th => th.innerText.trim());
    return Array.from(table.querySelectorAll('tbody tr')).map(tr => {
        const link = tr.querySelector("a[href^='#/queues/']");
        const cells = Array.from(tr.querySelectorAll('td')).map(td => td.innerText.trim());
        return [link ? link.getAttribute('href') : null, Object.fromEntries(headers.map((h, i) => [h, cells[i]]))];
    });
}"""


async def queue_rows(page: Page, vhost: str) -> Rows:
    """The Queues table as shown for `vhost`: queue name -> {column header: cell text}."""
    table = page.locator("#main table.list:has(a[href^='#/queues/'])")
    if await table.count() == 0:
        return {}
    rows: Rows = {}
    for href, cells in await table.first.evaluate(_READ_ROWS):
        parts = (href or "").removeprefix("#/queues/").split("/")
        if len(parts) == 2 and unquote(parts[0]) == vhost:
            rows[unquote(parts[1])] = cells
    return rows


async def capture_queues(
    *,
    ui_url: str,
    vhost: str,
    screenshot: Path,
    until: Callable[[Rows], bool],
    user: str = "guest",
    password: str = "guest",
    timeout: float = 30.0,
) -> Rows:
    """Log in, open Queues for `vhost` with the consumer count shown, wait (up to `timeout`; the page
    refreshes itself every 5 s) until `until(rows)` holds, save a full-page screenshot, return the rows.
    The caller asserts on the rows, so a timeout returns what the page last showed."""
    executable = chromium()
    if executable is None:
        raise FileNotFoundError(f"Chromium not found at {CHROMIUM}: run `make deps`")
    timeout_ms = timeout * 1000
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch_persistent_context(
                profile,
                executable_path=executable,
                headless=True,
                args=FLAGS,
                viewport=VIEWPORT,
                timeout=timeout_ms,
            )
            try:
                page = browser.pages[0] if browser.pages else await browser.new_page()
                await log_in(page, ui_url, user, password, timeout_ms)
                await show_vhost(page, vhost, timeout_ms)
                await show_consumer_count(page, timeout_ms)

                async def shown() -> Rows | None:
                    rows = await queue_rows(page, vhost)
                    return rows if until(rows) else None

                try:
                    rows = await eventually(shown, timeout, 0.25, "the queues page to show what was expected")
                except NotYet:
                    rows = await queue_rows(page, vhost)
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                await page.screenshot(path=str(screenshot), full_page=True)
                return rows
            finally:
                await browser.close()
