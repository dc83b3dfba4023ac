"""The reference dashboard (insight_hub/dashboard) through Streamlit's testing API, on the files
published from the small borough.

Rules guarded (issue 14):
- every page renders from the published files alone, with no exception or error;
- a page shows the published figures (a headline and a table cell equal the published table's);
- a withheld (suppressed) count, and every figure computed from it, is shown as [c], never as 0
  or blank, on screen and in the CSV download;
- the page header says which build the figures come from and which disclosure rules applied;
- service demand maps the chosen service's rate on the boundary files (INSIGHT_HUB_BOUNDARIES) by
  ward and, for the chosen ward, by LSOA: one area per published area, a withheld one [c]; boundary
  files missing or matching no published area give a caption, never an error, and only synthetic
  boundaries are called synthetic.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from dbt_project import Workspace
from streamlit.testing.v1 import AppTest

from insight_hub.dashboard import app, data, maps

PAGES = Path(app.__file__).parent / "views"


@pytest.fixture
def published(published_borough: Path, built_borough: Workspace, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The published borough, with the boundaries its generator wrote for the maps."""
    monkeypatch.setenv("INSIGHT_HUB_PUBLISHED", str(published_borough))
    monkeypatch.setenv(maps.BOUNDARIES_ENV, str(built_borough.boundaries))
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


def _maps(test: AppTest) -> list[dict[str, Any]]:
    """The maps a page drew (its Vega-Lite charts with a geoshape layer): code -> feature, each."""
    specs = [json.loads(chart.proto.spec) for chart in test.get("vega_lite_chart")]
    return [
        {feature["properties"]["code"]: feature for feature in spec["data"]["values"]}
        for spec in specs
        if any(layer["mark"].get("type") == "geoshape" for layer in spec.get("layer", []))
    ]


def test_the_generators_boundaries_cover_every_published_area(published: Path, built_borough: Workspace) -> None:
    for name, table, column in (
        ("wards.geojson", "dim_ward", "ward_code"),
        ("lsoas.geojson", "dim_lsoa", "lsoa21_code"),
    ):
        features = json.loads((built_borough.boundaries / name).read_text())["features"]
        published_codes = {code for (code,) in _services(published, f"select {column} from marts.{table}")}
        assert sorted(f["properties"]["code"] for f in features) == sorted(published_codes), name
        assert all(f["properties"]["synthetic"] is True for f in features), name


def test_service_demand_maps_each_published_ward_and_lsoa_with_c_for_withheld(published: Path) -> None:
    test = _run("service_demand.py")
    commission = test.selectbox(key="commission").value
    # a service and a ward where both a ward and an LSOA of the ward are withheld, so both maps show [c]
    service_name, ward_name = _services(
        published,
        "select service_name, ward_name from sharing.share_lsoa_service_demand l "
        "where commission_id = ? and people_known_count_status = '[c]' and exists (select 1 from "
        "sharing.share_ward_service_demand w where w.commission_id = l.commission_id "
        "and w.service_name = l.service_name and w.people_known_count_status = '[c]') order by all limit 1",
        [commission],
    )[0]
    test.selectbox(key="chart-service").set_value(service_name)
    test.selectbox(key="ward").set_value(ward_name)
    test.run()
    assert not test.exception, [e.value for e in test.exception]
    ward_map, lsoa_map = _maps(test)
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
        assert sorted(shown) == sorted(area for area, *_ in rows), f"{table}: not one area per published area"
        for area, rate, status in rows:
            properties = shown[area]["properties"]
            if status == "[c]":
                assert properties["rate"] is None and properties["rate_label"] == "[c]", (table, area)
            else:
                assert properties["rate"] == pytest.approx(rate) and properties["rate_label"] != "[c]", (table, area)
        assert "[c]" in {feature["properties"]["rate_label"] for feature in shown.values()}, table
    captions = [c.value for c in test.caption]
    assert sum("SYNTHETIC boundaries" in c for c in captions) == 2, "the synthetic boundaries are not called so"


def _clockwise(ring: list[list[float]]) -> bool:
    """Whether a ring runs clockwise with north up: a negative shoelace area in longitude and latitude."""
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, ring[1:], strict=False)) < 0


def test_a_councils_own_boundaries_are_drawn_and_not_called_synthetic(
    published: Path, built_borough: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # as ONS publishes them: outer rings counterclockwise (RFC 7946), Polygons and MultiPolygons,
    # properties of their own beside code and name, no synthetic flag; and one ward left out
    for name in ("wards.geojson", "lsoas.geojson"):
        collection = json.loads((built_borough.boundaries / name).read_text())
        for index, feature in enumerate(collection["features"]):
            (ring,) = feature["geometry"]["coordinates"]
            assert _clockwise(ring), "the generator's rings are not clockwise"
            polygon = [ring[::-1]]
            feature["geometry"] = (
                {"type": "MultiPolygon", "coordinates": [polygon]}
                if index % 2
                else {"type": "Polygon", "coordinates": polygon}
            )
            code, area_name = feature["properties"]["code"], feature["properties"]["name"]
            feature["properties"] = {"code": code, "name": area_name, "GlobalID": "x", "SHAPE_Area": 1.0}
        if name == "wards.geojson":
            left_out = collection["features"].pop(0)["properties"]["code"]
        (tmp_path / name).write_text(json.dumps(collection))
    monkeypatch.setenv(maps.BOUNDARIES_ENV, str(tmp_path))
    test = _run("service_demand.py")
    ward_map, lsoa_map = _maps(test)
    wards = {code for (code,) in _services(published, "select ward_code from marts.dim_ward")}
    assert sorted(ward_map) == sorted(wards - {left_out}) and lsoa_map
    outer_rings = [
        rings[0] for drawn in (ward_map, lsoa_map) for f in drawn.values() for rings in f["geometry"]["coordinates"]
    ]
    assert all(_clockwise(ring) for ring in outer_rings), "counterclockwise: d3-geo would fill the globe"
    captions = [c.value for c in test.caption]
    assert any(f"1 ward(s) with no boundary in {tmp_path / 'wards.geojson'} not drawn" in c for c in captions)
    assert not any("SYNTHETIC" in c for c in captions)
    assert sum(f"Boundaries: {tmp_path}" in c for c in captions) == 2


@pytest.mark.parametrize("boundaries", ["missing folder", "unreadable files", "other areas"])
def test_boundaries_missing_or_matching_no_area_give_a_caption_not_an_error(
    published: Path, boundaries: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "boundaries"
    if boundaries != "missing folder":
        folder.mkdir()
        square = {"type": "Polygon", "coordinates": [[[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]]]}
        other = {"type": "Feature", "properties": {"code": "E05000001", "name": "elsewhere"}, "geometry": square}
        text = "not json" if boundaries == "unreadable files" else json.dumps({"features": [other]})
        for name in ("wards.geojson", "lsoas.geojson"):
            (folder / name).write_text(text)
    monkeypatch.setenv(maps.BOUNDARIES_ENV, str(folder))
    test = _run("service_demand.py")
    assert not test.exception and not test.error
    assert not _maps(test)
    expected = "no readable boundary file" if boundaries != "other areas" else "has no boundary for any"
    assert [c.value.split(":")[0] for c in test.caption if expected in c.value] == ["No ward map", "No LSOA map"]
