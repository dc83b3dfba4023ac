"""The dashboard in a real browser, for its browser test and its benchmark (bench.dashboard):
`streamlit run` on a free localhost port over a folder of published files, and Debian's Chromium
(/usr/bin/chromium) driven by Playwright for Python through `executable_path` (Playwright's own
browser download cannot work here)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from insight_hub.dashboard import app

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PROJECT_ROOT = Path(app.__file__).resolve().parents[2]
START_SECONDS = 30


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(published: Path, log: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """`streamlit run` of the dashboard reading the published files in `published` (its output to
    `log`), on a free localhost port; yields its address once it answers, stops it on exit."""
    port = _free_port()
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(Path(app.__file__)),
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
                "--server.fileWatcherType",
                "none",
            ],
            cwd=PROJECT_ROOT,
            env={**os.environ, **(env or {}), "INSIGHT_HUB_PUBLISHED": str(published)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    address = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                with urllib.request.urlopen(f"{address}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield address
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def chromium(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless; Playwright gives it a new empty profile of its own."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)


def drawn(page: Page, previous_title: str | None = None, timeout_ms: int = 60_000) -> str:
    """Wait until a page has run its script and drawn it, and return its title: a title other than
    `previous_title` (the page a click left), a table drawn, no element left stale from the page
    before and Streamlit's running indicator gone."""
    page.wait_for_function(
        """previous => {
            const main = document.querySelector("[data-testid='stMain']");
            const title = main && main.querySelector("h1");
            return title !== null
                && title.innerText.trim() !== previous
                && main.querySelector("[data-testid='stDataFrame']") !== null
                && !document.querySelector("[data-stale='true']")
                && !document.querySelector("[data-testid='stStatusWidget']");
        }""",
        arg=previous_title,
        timeout=timeout_ms,
    )
    return page.locator("[data-testid='stMain'] h1").first.inner_text().strip()


def settled(page: Page) -> None:
    """Wait until a page opened by address is drawn, charts included (for a screenshot)."""
    drawn(page)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(800)
