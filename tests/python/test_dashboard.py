"""The reference dashboard (insight_hub/dashboard) through Streamlit's testing API, on the files
published from the small borough.

Rules guarded (issue 14):
- every page renders from the published files alone, with no exception or error;
- a page shows the published figures (a headline and a table cell equal the published table's);
- a withheld (suppressed) count, and every figure computed from it, is shown as [c], never as 0
  or blank, on screen and in the CSV download;
- the page header says which build the figures come from and which disclosure rules applied.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from insight_hub.dashboard import app, data

PAGES = Path(app.__file__).parent / "views"


@pytest.fixture
def published(published_borough: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("INSIGHT_HUB_PUBLISHED", str(published_borough))
    return published_borough


def _run(page: str) -> AppTest:
    test = AppTest.from_file(str(PAGES / page), default_timeout=60)
    test.run()
    return test


def _services(published: Path, sql: str, parameters: list | None = None) -> list[tuple]:
    with duckdb.connect(str(published / "services.duckdb"), read_only=True) as con:
        return con.execute(sql, parameters or []).fetchall()


@pytest.mark.parametrize("script", [script for script, *_ in app.PAGES])
def test_every_page_renders_from_the_published_file_with_its_build(published: Path, script: str) -> None:
    test = _run(script)
    assert not test.exception, [e.value for e in test.exception]
    assert not test.error, [e.value for e in test.error]
    assert test.dataframe, f"{script} shows no table"
    audience = dict((s, a) for s, _, _, a in app.PAGES)[script]
    with duckdb.connect(str(published / f"{audience}.duckdb"), read_only=True) as con:
        (build_id,) = con.execute("select build_id from main.published_build").fetchone()  # type: ignore[misc]
    assert any(build_id[:8] in m.value for m in test.markdown), "the header does not name the build"
    if audience == data.SERVICES:
        assert any("[c]" in i.value and "withheld" in i.value for i in test.info), "no disclosure rules in the header"


def test_service_demand_shows_published_figures_and_c_for_withheld_cells(published: Path) -> None:
    test = _run("service_demand.py")
    commission = test.selectbox(key="commission").value
    service_name = test.selectbox(key="chart-service").value
    ((rate, count),) = _services(
        published,
        'select people_known_rate_per_1000, people_known_count from "sharing".share_borough_service_demand '
        "where commission_id = ? and service_name = ?",
        [commission, service_name],
    )
    metrics = {m.label: m.value for m in test.metric}
    assert metrics["Borough rate per 1,000 residents"] == f"{rate:,.2f}".removesuffix(".00")
    assert metrics[f"{service_name}: people known"] == f"{count:,}"

    wards = test.dataframe[1].value
    withheld = _services(
        published,
        'select service_name, ward_code from "sharing".share_ward_service_demand '
        "where commission_id = ? and people_known_count_status = '[c]'",
        [commission],
    )
    assert withheld, "the small borough has no withheld ward count to show"
    shown = wards.set_index(["service_name", "ward_code"])
    for key in withheld:
        row = shown.loc[key]
        # the count and every figure computed from it
        assert row.people_known_count == "[c]"
        assert row.people_known_rate_per_1000 == "[c]"
        assert row.people_known_rate_per_1000_ci_lower == "[c]"
    published_counts = dict(
        ((s, w), c)
        for s, w, c in _services(
            published,
            'select service_name, ward_code, people_known_count from "sharing".share_ward_service_demand '
            "where commission_id = ? and people_known_count_status is null",
            [commission],
        )
    )
    for key, count in published_counts.items():
        assert str(shown.loc[key].people_known_count) == str(count)
    # nothing blank, and the download holds what is shown
    assert not wards.isna().any().any()
    assert not (wards == "").any().any()
    assert len(test.download_button) == len(test.dataframe), "a shown table has no CSV download"


def test_for_display_marks_withheld_counts_and_what_rests_on_them() -> None:
    frame = pd.DataFrame(
        {
            "ward_code": ["W1", "W2", "W3"],
            "people_known_count": [None, 25, 0],
            "people_known_count_status": ["[c]", None, None],
            "people_known_rate_per_1000": [None, 8.33, 0.0],
            "borough_people_known_count": [50, 50, 50],
            "borough_people_known_count_status": [None, None, None],
            "people_known_rate_ratio_to_borough": [None, 0.667, None],
            "rounding_base": [5, 5, 5],
        }
    )
    shown = data.for_display(frame)
    assert list(shown.columns) == [
        "ward_code",
        "people_known_count",
        "people_known_rate_per_1000",
        "borough_people_known_count",
        "people_known_rate_ratio_to_borough",
    ]
    assert shown.people_known_count.tolist() == ["[c]", "25", "0"]  # a published 0 stays 0
    assert shown.people_known_rate_per_1000.tolist() == ["[c]", "8.33", "0"]
    assert shown.people_known_rate_ratio_to_borough.tolist() == ["[c]", "0.667", "n/a"]
    assert shown.borough_people_known_count.tolist() == [50, 50, 50]


def test_synthetic_ward_shapes_cover_the_published_wards_and_say_they_are_synthetic(published: Path) -> None:
    from insight_hub.borough import shapes

    wards = shapes.ward_shapes()
    codes = {code for (code,) in _services(published, "select ward_code from marts.dim_ward")}
    assert {f["properties"]["code"] for f in wards["features"]} == codes
    assert "SYNTHETIC" in wards["description"]
    for feature in wards["features"]:
        assert feature["properties"]["synthetic"] is True
        ring = feature["geometry"]["coordinates"][0]
        assert ring[0] == ring[-1] and len(ring) >= 4
    # the service demand page draws them (a Vega-Lite geoshape layer over the published rates)
    test = _run("service_demand.py")
    specs = [chart.proto.spec for chart in test.get("vega_lite_chart")]
    assert any("geoshape" in spec for spec in specs), "no ward map on the service demand page"
