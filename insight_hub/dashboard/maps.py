"""Maps of people known per 1,000 residents by area (ward or LSOA), drawn on boundary files.

The boundaries are two GeoJSON FeatureCollections in the folder INSIGHT_HUB_BOUNDARIES (default
data/boundaries): ``wards.geojson`` and ``lsoas.geojson``, in WGS84 longitude and latitude, of
Polygon or MultiPolygon features whose properties hold

- ``code``: the area's GSS code as the shares publish it (ward_code, lsoa21_code): the map joins on it;
- ``name``: the area's name (the map shows the published one);
- ``synthetic`` (optional): ``true`` on invented boundaries, and only then the caption says so.

make demo writes the synthetic borough's there (``python -m insight_hub.borough --boundaries``,
insight_hub.borough.shapes, every feature ``synthetic: true``). A council uses its ONS ward and
LSOA 2021 boundaries (Open Geography Portal, a generalised set such as BGC, in WGS84), their code
and name properties (WDyyCD and WDyyNM, LSOA21CD and LSOA21NM) renamed ``code`` and ``name``.
Rings may wind either way: d3-geo, which draws Vega-Lite's geoshape, needs outer rings clockwise
and holes counterclockwise (RFC 7946, and so ONS's files, the reverse), so they are turned here.

A published area with no feature is left off the map (the caption counts it); a file missing or
unreadable, or with no feature for any published area, gives one caption instead of the map, never
an error. A withheld area is grey and labelled ``[c]``, as the tables show it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from insight_hub.borough.shapes import LSOAS_FILE, WARDS_FILE
from insight_hub.dashboard import data

BOUNDARIES_ENV = "INSIGHT_HUB_BOUNDARIES"
RATE = "people_known_rate_per_1000"

Ring = list[list[float]]


@dataclass(frozen=True)
class Level:
    """An area level: its boundary file, the share's columns for the area's code and name, and what
    the caption says of areas the share has no row for."""

    file_name: str
    code: str
    name: str
    title: str
    unlisted: str = ""


WARD = Level(WARDS_FILE, "ward_code", "ward_name", "ward")
LSOA = Level(
    LSOAS_FILE,
    "lsoa21_code",
    "lsoa21_name",
    "LSOA",
    "LSOAs where the service knows nobody are not in the share, so not drawn. ",
)


def boundaries_dir() -> Path:
    """The folder of boundary files: INSIGHT_HUB_BOUNDARIES, else data/boundaries (make demo's)."""
    return Path(os.environ.get(BOUNDARIES_ENV, "data/boundaries"))


def wound(ring: Ring, clockwise: bool) -> Ring:
    """The ring, reversed if need be to run clockwise (or counterclockwise) in longitude and latitude."""
    twice_area = sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, ring[1:], strict=False))
    return ring if (twice_area < 0) == clockwise else ring[::-1]


@st.cache_data(show_spinner=False)
def _boundaries(path: str, version: int) -> dict[str, dict[str, Any]]:
    """Code -> the feature's polygons (wound for d3-geo), whether it is synthetic and where to label
    it (the mean vertex of its outer ring with most vertices); features with no polygon of at least
    four positions are skipped. Read again when the file changes (`version`)."""
    areas = {}
    for feature in json.loads(Path(path).read_text())["features"]:
        geometry = feature["geometry"] or {}
        if geometry.get("type") not in ("Polygon", "MultiPolygon"):
            continue
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        polygons = [
            [wound(rings[0], clockwise=True), *(wound(hole, clockwise=False) for hole in rings[1:])]
            for rings in polygons
            if rings and len(rings[0]) >= 4
        ]
        if not polygons:
            continue
        ring = max((rings[0][:-1] for rings in polygons), key=len)
        areas[str(feature["properties"]["code"])] = {
            "polygons": polygons,
            "synthetic": feature["properties"].get("synthetic") is True,
            "label": [sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring)],
        }
    return areas


def boundaries(level: Level) -> dict[str, dict[str, Any]] | None:
    """The level's boundaries by area code, or None when its file is missing or not readable GeoJSON."""
    path = boundaries_dir() / level.file_name
    try:
        stat = path.stat()
        return _boundaries(str(path), hash((stat.st_ino, stat.st_mtime_ns)))
    except (OSError, ValueError, LookupError, TypeError, AttributeError):
        return None


def area_features(areas: pd.DataFrame, level: Level, shapes: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One GeoJSON feature per area of `areas` that has a boundary in `shapes`: its published code and
    name, its rate (None when withheld), the rate as the tables show it (``[c]`` when withheld) and
    where to write that."""
    shown = data.for_display(areas, keep=[RATE])[RATE]
    features = []
    for code, name, rate, label in zip(areas[level.code], areas[level.name], areas[RATE], shown, strict=True):
        if code not in shapes:
            continue
        properties = {
            "code": code,
            "name": name,
            "rate": None if pd.isna(rate) else float(rate),
            "rate_label": str(label),
            "label_long": shapes[code]["label"][0],
            "label_lat": shapes[code]["label"][1],
            "synthetic": shapes[code]["synthetic"],
        }
        geometry = {"type": "MultiPolygon", "coordinates": shapes[code]["polygons"]}
        features.append({"type": "Feature", "properties": properties, "geometry": geometry})
    return features


def area_map(areas: pd.DataFrame, level: Level, service_name: str | None) -> None:
    """People known per 1,000 residents of each area in `areas` (one service's rows of the level's
    share) on the level's boundaries; a withheld area grey and labelled [c]."""
    path = boundaries_dir() / level.file_name
    shapes = boundaries(level)
    if shapes is None:
        st.caption(
            f"No {level.title} map: no readable boundary file {path} (make demo writes the synthetic borough's; "
            f"{BOUNDARIES_ENV} names the folder of a council's own)."
        )
        return
    features = area_features(areas, level, shapes)
    if not features:
        st.caption(f"No {level.title} map: {path} has no boundary for any of the {len(areas)} published areas.")
        return
    tooltip = [
        {"field": "properties.name", "title": level.title},
        {"field": "properties.rate_label", "title": "people known per 1,000"},
    ]
    shape = {"type": "geoshape", "stroke": "white", "strokeWidth": 1}
    rates = {
        "transform": [{"filter": "datum.properties.rate !== null"}],
        "mark": shape,
        "encoding": {
            "color": {
                "field": "properties.rate",
                "type": "quantitative",
                "title": "per 1,000",
                "legend": {"format": "~g"},
            },
            "tooltip": tooltip,
        },
    }
    st.vega_lite_chart(
        {
            "data": {"values": features},
            "projection": {"type": "mercator"},
            "height": 420,
            "layer": [
                {"mark": {**shape, "fill": "#d0d0d0"}, "encoding": {"tooltip": tooltip}},
                # no colour scale (its legend would read NaN) when every area is withheld
                *([rates] if any(feature["properties"]["rate"] is not None for feature in features) else []),
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
    unmapped = len(areas) - len(features)
    st.caption(
        f"{service_name}: people known per 1,000 residents by {level.title}; grey and [c] = withheld. "
        + level.unlisted
        + (f"{unmapped} {level.title}(s) with no boundary in {path} not drawn. " if unmapped else "")
        + (
            "SYNTHETIC boundaries (invented around the synthetic borough's area centres), not ONS boundaries."
            if any(feature["properties"]["synthetic"] for feature in features)
            else f"Boundaries: {path}."
        )
    )
