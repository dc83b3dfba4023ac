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

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from dbt_project import Workspace
from streamlit.testing.v1 import AppTest

from insight_hub.dashboard import app, data, maps

PAGES = Path(app.__file__).parent / "views"


@pytest.fixture
def published(published_borough: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("INSIGHT_HUB_PUBLISHED", str(published_borough))
    return published_borough


def _run(page: str) -> AppTest:
    test = AppTest.from_file(str(PAGES / page), default_timeout=60)
    test.run()
    return test


def _warehouse(workspace: Workspace, sql: str) -> list[tuple]:
    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


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


def _geojson(path: Path) -> list[dict]:
    return json.loads(path.read_text())["features"]


def test_the_generator_writes_synthetic_boundaries_of_every_published_area(built_borough: Workspace) -> None:
    codes = {
        "wards.geojson": {code for (code,) in _warehouse(built_borough, "select ward_code from marts.dim_ward")},
        "lsoas.geojson": {code for (code,) in _warehouse(built_borough, "select lsoa21_code from marts.dim_lsoa")},
    }
    for name, published_codes in codes.items():
        features = _geojson(built_borough.boundaries / name)
        assert {f["properties"]["code"] for f in features} == published_codes, name
        for feature in features:
            assert feature["properties"]["synthetic"] is True
            ring = feature["geometry"]["coordinates"][0]
            assert ring[0] == ring[-1] and len(ring) >= 4


def _map_layers(test: AppTest) -> list[dict]:
    """The area maps a page drew: each Vega-Lite chart with a geoshape layer, as its spec."""
    specs = [json.loads(chart.proto.spec) for chart in test.get("vega_lite_chart")]
    return [spec for spec in specs if "geoshape" in json.dumps(spec.get("layer", []))]


def test_service_demand_maps_wards_and_the_chosen_wards_lsoas_with_c_for_withheld(
    published: Path, built_borough: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(maps.BOUNDARIES_ENV, str(built_borough.boundaries))
    test = _run("service_demand.py")
    commission = test.selectbox(key="commission").value
    # the service with the most withheld wards, so both maps have [c] areas to draw
    ((service_name,),) = _services(
        published,
        "select service_name from sharing.share_ward_service_demand where commission_id = ? "
        "group by all order by count(*) filter (people_known_count_status = '[c]') desc, service_name limit 1",
        [commission],
    )
    test.selectbox(key="chart-service").set_value(service_name).run()
    ward_name = test.selectbox(key="ward").value
    drawn = _map_layers(test)
    assert len(drawn) == 2, "expected a ward map and an LSOA map"
    ward_map, lsoa_map = ({f["properties"]["code"]: f["properties"] for f in spec["data"]["values"]} for spec in drawn)
    for shown, table, code, where, parameters in (
        (ward_map, "share_ward_service_demand", "ward_code", "", []),
        (lsoa_map, "share_lsoa_service_demand", "lsoa21_code", " and ward_name = ?", [ward_name]),
    ):
        rows = _services(
            published,
            f"select {code}, people_known_rate_per_1000, people_known_count_status from sharing.{table} "
            f"where commission_id = ? and service_name = ?{where}",
            [commission, service_name, *parameters],
        )
        assert set(shown) == {area for area, *_ in rows}, f"{table}: one feature per published area"
        for area, rate, status in rows:
            if status == "[c]":
                assert shown[area]["rate"] is None and shown[area]["rate_label"] == "[c]"
            else:
                assert shown[area]["rate"] == pytest.approx(rate)
    labels = [p["rate_label"] for p in [*ward_map.values(), *lsoa_map.values()]]
    assert "[c]" in labels, "the small borough maps no withheld area"
    assert any("SYNTHETIC" in c.value for c in test.caption), "the synthetic boundaries are not said to be synthetic"


def test_a_map_with_no_boundary_files_says_so_and_the_page_still_draws(
    published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(maps.BOUNDARIES_ENV, str(tmp_path / "none here"))
    test = _run("service_demand.py")
    assert not test.exception and not test.error
    assert not _map_layers(test)
    assert sum("No map: no readable" in c.value for c in test.caption) == 2


def test_counterclockwise_boundaries_are_drawn_clockwise() -> None:
    # RFC 7946 (and so ONS's GeoJSON) winds outer rings counterclockwise; d3-geo would fill the world
    square = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]
    assert maps._clockwise(square) == square[::-1]
    assert maps._clockwise(square[::-1]) == square[::-1]
