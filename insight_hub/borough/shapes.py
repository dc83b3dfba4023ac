"""Synthetic ward and LSOA boundaries for maps of the synthetic borough: SYNTHETIC, NOT ONS BOUNDARIES.

`python -m insight_hub.borough --boundaries DIR` writes them (`write_boundaries`) to WARDS_FILE and
LSOAS_FILE, the files the dashboard's maps read (insight_hub.dashboard.maps).

Each area's shape is its Voronoi cell around the centroid the generator places it at (the wards'
fixed centroids in geography.WARDS, the LSOAs' seeded ones), clipped to a box around the borough:
the areas sit where the generator puts them, next to the same neighbours, but their edges are
invented. GeoJSON in WGS84 (geography.osgb_to_wgs84); every feature carries the area's ``code`` and
``name`` (as the reference files and so dim_ward and dim_lsoa have them) and ``synthetic: true``.
Rings run clockwise, as d3-geo and so Vega-Lite's geoshape expect (RFC 7946 prefers the reverse).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from scipy.spatial import Voronoi

from insight_hub.borough import geography

MARGIN_METRES = 1500.0
WARDS_FILE = "wards.geojson"
LSOAS_FILE = "lsoas.geojson"


def voronoi_cells(points: np.ndarray, margin: float = MARGIN_METRES) -> list[np.ndarray]:
    """Each point's Voronoi cell clipped to the points' bounding box plus margin (mirroring the points
    across the four edges bounds every original cell by the box); vertices in clockwise order."""
    low, high = points.min(axis=0) - margin, points.max(axis=0) + margin
    mirrored = [points]
    for axis in (0, 1):
        for edge in (low[axis], high[axis]):
            reflected = points.copy()
            reflected[:, axis] = 2 * edge - reflected[:, axis]
            mirrored.append(reflected)
    diagram = Voronoi(np.vstack(mirrored))
    cells = []
    for index in range(len(points)):
        vertices = diagram.vertices[diagram.regions[diagram.point_region[index]]]
        centre = vertices.mean(axis=0)
        angle = np.arctan2(vertices[:, 1] - centre[1], vertices[:, 0] - centre[0])
        cells.append(vertices[np.argsort(-angle)])
    return cells


def _collection(codes: list[str], names: list[str], points: np.ndarray, kind: str, **extra: list[Any]) -> dict:
    features = []
    for i, cell in enumerate(voronoi_cells(points)):
        lat, long = geography.osgb_to_wgs84(cell[:, 0], cell[:, 1])
        ring = [[float(x), float(y)] for x, y in zip(long, lat, strict=True)]
        ring.append(ring[0])
        properties = {"code": codes[i], "name": names[i], "kind": kind, "synthetic": True}
        properties |= {key: values[i] for key, values in extra.items()}
        features.append(
            {"type": "Feature", "properties": properties, "geometry": {"type": "Polygon", "coordinates": [ring]}}
        )
    return {
        "type": "FeatureCollection",
        "name": f"synthetic_{kind}_boundaries",
        "description": "SYNTHETIC boundaries of the synthetic borough (Voronoi cells around its generated "
        "centroids), not ONS boundaries.",
        "features": features,
    }


def ward_shapes(geo: geography.Geography) -> dict:
    """The synthetic wards (codes and names as dim_ward), from their fixed centroids."""
    points = np.array([[w.easting, w.northing] for w in geography.WARDS], dtype=float)
    return _collection(geo.wards["code"].tolist(), geo.wards["name"].tolist(), points, "ward")


def lsoa_shapes(geo: geography.Geography) -> dict:
    """The synthetic LSOAs (codes and names as dim_lsoa), from their generated centroids."""
    lsoas = geo.lsoas
    points = lsoas[["easting", "northing"]].to_numpy(dtype=float)
    ward_codes = geo.wards["code"].to_numpy()[lsoas["ward"].to_numpy()].tolist()
    return _collection(lsoas["code"].tolist(), lsoas["name"].tolist(), points, "lsoa", ward_code=ward_codes)


def write_boundaries(folder: Path, geo: geography.Geography) -> dict[str, int]:
    """Write WARDS_FILE and LSOAS_FILE of the borough's geography into `folder`; return file name -> features."""
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, collection in ((WARDS_FILE, ward_shapes(geo)), (LSOAS_FILE, lsoa_shapes(geo))):
        (folder / name).write_text(json.dumps(collection))
        written[name] = len(collection["features"])
    return written
