"""Dashboard response: seconds from a click on a page's link to the page drawn, in Chromium.

    python -m bench.dashboard --published published --rounds 5 [--screenshots docs/screenshots]

Serves the reference dashboard over a folder of published files (make demo's full-size borough
publishes to published/) and drives Debian's Chromium through it (insight_hub.dashboard.browser).
It opens the dashboard (the overview), then clicks each page's link in the sidebar in turn, `rounds`
times round, timing each click until the page is drawn: its title shown, a table drawn, nothing
left stale from the page before, Streamlit's running indicator gone. The first round runs on a
freshly started dashboard, whose query cache is empty (what the first reader after a nightly
publish waits); the later rounds read the cache. Reports, per page, the first click and the median
and slowest of the later ones, against the issue's 3 s; with --screenshots, saves one screenshot of
every page there, drawn in full. Figures go to bench/results/dashboard.json.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb

from bench.common import median, save
from insight_hub.dashboard import app, browser, data

TARGET_SECONDS = 3.0


def _published_borough(published: Path) -> dict[str, object]:
    """What was published: the build and the borough's size (residents, as the shares publish them)."""
    with duckdb.connect(str(published / f"{data.SERVICES}.duckdb"), read_only=True) as con:
        build_id, built_at = con.execute("select build_id, built_at from main.published_build").fetchone() or ("", "")
        (schema,) = con.execute(
            "select table_schema from main.published_tables where table_name = 'share_borough_service_demand'"
        ).fetchone() or ("sharing",)
        (residents,) = con.execute(
            f'select max(resident_count) from "{schema}".share_borough_service_demand'
        ).fetchone() or (0,)
    return {"build_id": build_id, "built_at": str(built_at), "residents": int(residents)}


def measure(published: Path, rounds: int, screenshots: Path | None) -> dict[str, object]:
    from playwright.sync_api import sync_playwright

    pages = [(url_path, title) for _, url_path, title, _ in app.PAGES]
    clicks: dict[str, list[float]] = {url_path: [] for url_path, _ in pages}
    with tempfile.TemporaryDirectory() as scratch, browser.serving(published, Path(scratch) / "streamlit.log") as url:
        with sync_playwright() as playwright:
            chromium = browser.chromium(playwright)
            try:
                page = chromium.new_page(viewport={"width": 1400, "height": 2000})
                started = time.perf_counter()
                page.goto(url)
                shown = browser.drawn(page)
                first_open = time.perf_counter() - started
                for _ in range(rounds):
                    # the overview is open at the start: each round starts on the second page and ends on it
                    for url_path, title in [*pages[1:], pages[0]]:
                        link = page.locator("[data-testid='stSidebarNav']").get_by_role("link", name=title, exact=True)
                        started = time.perf_counter()
                        link.click()
                        shown = browser.drawn(page, previous_title=shown)
                        clicks[url_path].append(time.perf_counter() - started)
                if screenshots is not None:
                    screenshots.mkdir(parents=True, exist_ok=True)
                    for index, (url_path, _) in enumerate(pages):
                        page.goto(f"{url}/{'' if index == 0 else url_path}")
                        browser.settled(page)
                        page.screenshot(path=str(screenshots / f"{url_path}.png"), full_page=True)
            finally:
                chromium.close()
    by_page = {
        url_path: {
            "first_click_seconds": round(seconds[0], 2),
            "later_clicks_median_seconds": round(median(seconds[1:]), 2) if len(seconds) > 1 else None,
            "later_clicks_slowest_seconds": round(max(seconds[1:]), 2) if len(seconds) > 1 else None,
        }
        for url_path, seconds in clicks.items()
    }
    slowest = max(max(seconds) for seconds in clicks.values())
    return {
        "rounds": rounds,
        "published": _published_borough(published),
        "open_dashboard_seconds": round(first_open, 2),
        "pages": by_page,
        "slowest_click_seconds": round(slowest, 2),
        "target_seconds": TARGET_SECONDS,
        "within_target": slowest <= TARGET_SECONDS,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--published", type=Path, default=Path("published"), help="folder of the published files")
    parser.add_argument("--rounds", type=int, default=5, help="times to click through every page (at least 2)")
    parser.add_argument("--screenshots", type=Path, help="folder for one screenshot of every page")
    args = parser.parse_args(argv)
    if args.rounds < 2:
        parser.error("--rounds must be at least 2: the first round reads an empty cache")
    if not browser.CHROMIUM.exists():
        parser.error(f"{browser.CHROMIUM} is not installed (apt-get install chromium)")
    figures = measure(args.published.resolve(), args.rounds, args.screenshots)
    for url_path, page in figures["pages"].items():  # type: ignore[attr-defined]
        print(
            f"{url_path:15} first click {page['first_click_seconds']:5.2f} s · later clicks: median "
            f"{page['later_clicks_median_seconds']:5.2f} s, slowest {page['later_clicks_slowest_seconds']:5.2f} s"
        )
    print(
        f"slowest click {figures['slowest_click_seconds']} s (target {TARGET_SECONDS} s); wrote {save('dashboard', figures)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
