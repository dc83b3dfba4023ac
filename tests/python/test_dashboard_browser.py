"""The reference dashboard in a real browser: Debian's Chromium (/usr/bin/chromium) driven by
Playwright for Python, against `streamlit run` on a free localhost port serving the files
published from the small borough.

Rules guarded (issue 14): every page opens in a browser and shows its figures from the published
file (a headline checked against the published table), service demand its ward and LSOA maps (on
the generator's boundaries), a withheld count reads [c] on screen, and a screenshot of each page is
saved under reports/screenshots/. Skipped, saying why, where /usr/bin/chromium is not installed
(`.ci/run` installs it).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd
import pytest
from dbt_project import Workspace

from insight_hub.dashboard import app, browser, maps

if TYPE_CHECKING:
    from playwright.sync_api import Page

SCREENSHOTS = browser.PROJECT_ROOT / "reports" / "screenshots"

pytestmark = pytest.mark.skipif(
    not browser.CHROMIUM.exists(),
    reason="browser test skipped: /usr/bin/chromium is not installed (apt-get install chromium; .ci/run does)",
)


@pytest.fixture(scope="module")
def dashboard(
    published_borough: Path, built_borough: Workspace, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """`streamlit run` on a free localhost port, reading the published borough and drawing its maps on
    the boundaries its generator wrote; yields its address."""
    with browser.serving(
        published_borough,
        tmp_path_factory.mktemp("streamlit") / "streamlit.log",
        env={maps.BOUNDARIES_ENV: str(built_borough.boundaries)},
    ) as address:
        yield address


def _one(published: Path, audience: str, sql: str) -> tuple:
    with duckdb.connect(str(published / f"{audience}.duckdb"), read_only=True) as con:
        row = con.execute(sql).fetchone()
    assert row is not None
    return row


def _figure(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.2f}"


def test_every_page_opens_in_chromium_with_published_figures(dashboard: str, published_borough: Path) -> None:
    from playwright.sync_api import sync_playwright

    first_commission = "(select min(commission_id) from {t})"
    expected = {
        "overview": "Published tables",
        # a headline figure each page shows by default, read straight from the published file
        "service-demand": _figure(
            _one(
                published_borough,
                "services",
                # the service charted first: the most wards published, then by name
                "select b.people_known_rate_per_1000 from sharing.share_borough_service_demand b "
                "join (select commission_id, service_name, count(people_known_rate_per_1000) as wards "
                "from sharing.share_ward_service_demand group by all) w using (commission_id, service_name) "
                f"where commission_id = {first_commission.format(t='sharing.share_ward_service_demand')} "
                "order by w.wards desc, service_name limit 1",
            )[0]
        ),
        "multiple-needs": _figure(
            _one(
                published_borough,
                "services",
                "select max(borough_multiple_needs_rate_per_1000) from sharing.share_ward_multiple_needs "
                f"where commission_id = {first_commission.format(t='sharing.share_ward_multiple_needs')}",
            )[0]
        ),
        "equalities": "Groups over-represented",
        "trends": _figure(
            _one(
                published_borough,
                "services",
                "select sum(first_contacts_count) from sharing.share_ward_service_first_contacts "
                f"where commission_id = {first_commission.format(t='sharing.share_ward_service_first_contacts')}",
            )[0]
        ),
        "data-quality": _figure(
            _one(
                published_borough,
                "hub_analysts",
                "select sum(received_row_count) from diagnostics.delivery_data_quality "
                f"where commission_id = {first_commission.format(t='diagnostics.delivery_data_quality')}",
            )[0]
        ),
    }
    assert set(expected) == {url_path for _, url_path, _, _ in app.PAGES}
    pages = {url_path: "" if index == 0 else url_path for index, (_, url_path, _, _) in enumerate(app.PAGES)}
    (build_id,) = _one(published_borough, "services", "select build_id from main.published_build")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = browser.chromium(playwright)
        try:
            page = chromium.new_page(viewport={"width": 1400, "height": 2000}, accept_downloads=True)
            for url_path, figure in expected.items():
                page.goto(f"{dashboard}/{pages[url_path]}")
                browser.settled(page)
                text = page.locator("[data-testid='stMain']").inner_text()
                assert "Page not found" not in page.content(), f"{url_path}: Streamlit did not find the page"
                assert not page.locator("[data-testid='stException'], [data-testid='stAlertContentError']").count(), (
                    f"{url_path}: the page shows an error:\n{text[:2000]}"
                )
                assert build_id[:8] in text, f"{url_path}: the header does not name the build"
                assert figure in text, f"{url_path}: {figure!r} (published) not shown"
                assert "No ward map" not in text and "No LSOA map" not in text, f"{url_path}: a map is missing"
                page.screenshot(path=str(SCREENSHOTS / f"{url_path}.png"), full_page=True)
            _withheld_cells_download_as_c(page, dashboard, published_borough)
        finally:
            chromium.close()


def _withheld_cells_download_as_c(page: Page, dashboard: str, published: Path) -> None:
    """The ward table a service manager downloads holds [c] for each withheld ward and the published
    count for the others (the grid itself is drawn on a canvas, so its CSV is what a test can read)."""
    page.goto(f"{dashboard}/service-demand")
    browser.settled(page)
    with page.expect_download() as info:
        page.get_by_role("button", name="Download ward_service_demand.csv").click()
    downloaded = pd.read_csv(info.value.path(), dtype=str).set_index(["service_name", "ward_code"])
    with duckdb.connect(str(published / "services.duckdb"), read_only=True) as con:
        rows = con.execute(
            "select service_name, ward_code, people_known_count, people_known_count_status "
            "from sharing.share_ward_service_demand "
            "where commission_id = (select min(commission_id) from sharing.share_ward_service_demand)"
        ).fetchall()
    assert len(downloaded) == len(rows)
    assert any(status == "[c]" for *_, status in rows), "the small borough has no withheld ward count"
    for service_name, ward_code, count, status in rows:
        expected = "[c]" if status == "[c]" else str(count)
        assert downloaded.loc[(service_name, ward_code), "people_known_count"] == expected
