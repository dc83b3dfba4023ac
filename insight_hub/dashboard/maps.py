"""Maps of people known per 1,000 residents by ward and by LSOA, on boundary files.

The boundaries are GeoJSON files in INSIGHT_HUB_BOUNDARIES (default data/boundaries):
``wards.geojson`` and ``lsoas.geojson``, FeatureCollections in WGS84 (longitude, latitude) of
Polygon or MultiPolygon features whose properties carry ``code`` (the ward or LSOA code the
shares publish: ward_code, lsoa21_code) and ``name``. make demo writes the synthetic borough's
(insight_hub.borough.shapes, every feature ``synthetic: true``); a council puts its ONS ward and
LSOA 2021 boundaries there, their code and name properties renamed to ``code`` and ``name``.
Rings may run either way: they are turned clockwise, as d3-geo (Vega-Lite's geoshape) draws them.
An area with no feature is left off the map, a file missing or unreadable gives one caption, and
a withheld area is grey and labelled [c].
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from insight_hub.dashboard import data

BOUNDARIES_ENV = "INSIGHT_HUB_BOUNDARIES"
RATE = "people_known_rate_per_1000"


def boundaries_dir() -> Path:
    """The folder of boundary files: INSIGHT_HUB_BOUNDARIES, else data/boundaries (make demo's)."""
    return Path(os.environ.get(BOUNDARIES_ENV, "data/boundaries"))


def _clockwise(ring: list[list[float]]) -> list[list[float]]:
    """The ring, clockwise in longitude and latitude (a negative shoelace area)."""
    twice_area = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False))
    return ring[::-1] if twice_area > 0 else ring


def _outer_rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return [polygon[0] for polygon in polygons]


@st.cache_data(show_spinner=False)
def _read(path: str, version: int) -> list[dict[str, Any]]:
    """The file's Polygon and MultiPolygon features, outer rings clockwise (holes dropped); read
    again when the file changes (`version`)."""
    features = []
    for feature in json.loads(Path(path).read_text())["features"]:
        geometry = feature.get("geometry") or {}
        if geometry.get("type") not in ("Polygon", "MultiPolygon"):
            continue
        rings = [_clockwise(ring) for ring in _outer_rings(geometry)]
        features.append(
            {
                "type": "Feature",
                "properties": dict(feature.get("properties") or {}),
                "geometry": {"type": "MultiPolygon", "coordinates": [[ring] for ring in rings]},
            }
        )
    return features


def boundaries(file_name: str) -> list[dict[str, Any]] | None:
    """The features of a boundary file, or None when it is missing or cannot be read as GeoJSON."""
    path = boundaries_dir() / file_name
    try:
        stat = path.stat()
        return _read(str(path), hash((stat.st_ino, stat.st_mtime_ns)))
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None


def area_features(areas: pd.DataFrame, code_column: str, features: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One feature per published area that has a boundary, carrying its rate (None when withheld),
    the rate as shown (``[c]`` when withheld) and where to put that label."""
    shown = data.for_display(areas).set_index(code_column)
    rates = areas.set_index(code_column)[RATE]
    mapped = []
    for feature in features:
        code = feature["properties"].get("code")
        if code not in shown.index:
            continue
        ring = max(_outer_rings(feature["geometry"]), key=len)[:-1]
        rate = rates.loc[code]
        mapped.append(
            {
                **feature,
                "properties": {
                    **feature["properties"],
                    "rate": None if pd.isna(rate) else float(rate),
                    "rate_label": str(shown.loc[code, RATE]),
                    "label_long": sum(x for x, _ in ring) / len(ring),
                    "label_lat": sum(y for _, y in ring) / len(ring),
                },
            }
        )
    return mapped


def area_map(areas: pd.DataFrame, code_column: str, file_name: str, title: str) -> None:
    """People known per 1,000 residents of each area in `areas` (one service's rows of a ward or
    LSOA share) on the boundaries in `file_name`; a withheld area is grey and labelled [c]."""
    features = boundaries(file_name)
    if features is None:
        st.caption(
            f"No map: no readable {file_name} in {boundaries_dir()} (make demo writes the synthetic borough's; "
            f"set {BOUNDARIES_ENV} to a folder of boundary files)."
        )
        return
    mapped = area_features(areas, code_column, features) if not areas.empty else []
    if not mapped:
        st.caption(f"No map: no area in {boundaries_dir() / file_name} has a code the published table holds.")
        return
    tooltip = [
        {"field": "properties.name", "title": title},
        {"field": "properties.rate_label", "title": "people known per 1,000"},
    ]
    st.vega_lite_chart(
        {
            "data": {"values": mapped},
            "projection": {"type": "mercator"},
            "height": 420,
            "layer": [
                {
                    "mark": {"type": "geoshape", "stroke": "white", "strokeWidth": 1, "fill": "#d0d0d0"},
                    "encoding": {"tooltip": tooltip},
                },
                {
                    "transform": [{"filter": "datum.properties.rate !== null"}],
                    "mark": {"type": "geoshape", "stroke": "white", "strokeWidth": 1},
                    "encoding": {
                        "color": {"field": "properties.rate", "type": "quantitative", "title": "per 1,000"},
                        "tooltip": tooltip,
                    },
                },
                {
                    "mark": {"type": "text", "fontSize": 9},
                    "encoding": {
                        "longitude": {"field": "properties.label_long", "type": "quantitative"},
                        "latitude": {"field": "properties.label_lat", "type": "quantitative"},
                        "text": {"field": "properties.rate_label"},
                    },
                },
            ],
        },
        width="stretch",
    )
    synthetic = all(feature["properties"].get("synthetic") for feature in mapped)
    st.caption(
        f"{areas.service_name.iloc[0]}: people known per 1,000 residents by {title}; grey and [c] = withheld. "
        + (
            "SYNTHETIC boundaries of the synthetic borough (insight_hub.borough.shapes), not ONS boundaries."
            if synthetic
            else f"Boundaries: {boundaries_dir() / file_name}."
        )
    )
