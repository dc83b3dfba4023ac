"""Dashboard response: seconds from a click on a page's link to the page drawn, in Chromium.

    python -m bench.dashboard --published published --runs 3 --rounds 5 [--screenshots docs/screenshots]

Serves the reference dashboard over a folder of published files (make demo's full-size borough
publishes to published/; the maps read INSIGHT_HUB_BOUNDARIES, as make dashboard's do) and drives
Debian's Chromium through it (insight_hub.dashboard.browser). Each of `runs` times it starts the
dashboard afresh, opens it (the overview), then clicks each page's link in the sidebar in turn,
`rounds` times round, timing each click until the page is drawn: its title shown, a table drawn,
nothing left stale from the page before, Streamlit's running indicator gone. The first round runs
on an empty query cache (what the first reader after a nightly publish waits); the later rounds
read the cache. Reports, per page, the median and slowest of the first clicks (one a run) and of
the later ones, against the issue's 3 s; with --screenshots, saves one screenshot of every page
there, drawn in full (in the last run). Figures go to bench/results/dashboard.json.
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


def _session(published: Path, rounds: int, screenshots: Path | None) -> tuple[float, dict[str, list[float]]]:
    """One freshly started dashboard: seconds to open it, and each page's clicks in order (the first
    one on an empty cache); with `screenshots`, a screenshot of every page, drawn in full."""
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
                opened = time.perf_counter() - started
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
    return opened, clicks


def measure(published: Path, runs: int, rounds: int, screenshots: Path | None) -> dict[str, object]:
    """`runs` sessions (screenshots in the last): per page, the median and slowest first click (one a
    session) and of the later clicks (all sessions')."""
    sessions = [_session(published, rounds, screenshots if run == runs - 1 else None) for run in range(runs)]
    by_page = {}
    for url_path in sessions[0][1]:
        first = [clicks[url_path][0] for _, clicks in sessions]
        later = [seconds for _, clicks in sessions for seconds in clicks[url_path][1:]]
        by_page[url_path] = {
            "first_click_median_seconds": round(median(first), 2),
            "first_click_slowest_seconds": round(max(first), 2),
            "later_clicks_median_seconds": round(median(later), 2),
            "later_clicks_slowest_seconds": round(max(later), 2),
        }
    slowest_median = max(
        max(p["first_click_median_seconds"], p["later_clicks_median_seconds"]) for p in by_page.values()
    )
    return {
        "runs": runs,
        "rounds": rounds,
        "published": _published_borough(published),
        "open_dashboard_median_seconds": round(median([opened for opened, _ in sessions]), 2),
        "pages": by_page,
        "slowest_median_click_seconds": slowest_median,
        "slowest_click_seconds": max(p["first_click_slowest_seconds"] for p in by_page.values()),
        "target_seconds": TARGET_SECONDS,
        "within_target": slowest_median <= TARGET_SECONDS,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--published", type=Path, default=Path("published"), help="folder of the published files")
    parser.add_argument("--runs", type=int, default=3, help="dashboards started afresh, one after another")
    parser.add_argument("--rounds", type=int, default=5, help="times to click through every page (at least 2)")
    parser.add_argument("--screenshots", type=Path, help="folder for one screenshot of every page")
    args = parser.parse_args(argv)
    if args.rounds < 2:
        parser.error("--rounds must be at least 2: the first round reads an empty cache")
    if not browser.CHROMIUM.exists():
        parser.error(f"{browser.CHROMIUM} is not installed (apt-get install chromium)")
    figures = measure(args.published.resolve(), args.runs, args.rounds, args.screenshots)
    for url_path, page in figures["pages"].items():  # type: ignore[attr-defined]
        print(
            f"{url_path:15} first click: median {page['first_click_median_seconds']:5.2f} s, slowest "
            f"{page['first_click_slowest_seconds']:5.2f} s · later clicks: median "
            f"{page['later_clicks_median_seconds']:5.2f} s, slowest {page['later_clicks_slowest_seconds']:5.2f} s"
        )
    print(
        f"slowest median click {figures['slowest_median_click_seconds']} s, slowest click "
        f"{figures['slowest_click_seconds']} s (target {TARGET_SECONDS} s); wrote {save('dashboard', figures)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
