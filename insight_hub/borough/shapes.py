"""Synthetic ward and LSOA boundaries for maps of the synthetic borough: SYNTHETIC, NOT ONS BOUNDARIES.

    python -m insight_hub.borough.shapes --out reference/shapes [--seed 20261101]

Each area's shape is its Voronoi cell around the centroid the generator places it at (the wards'
fixed centroids in geography.WARDS, the LSOAs' seeded ones), clipped to a box around the borough:
the areas sit where the generator puts them, next to the same neighbours, but their edges are
invented. GeoJSON in WGS84 (geography.osgb_to_wgs84); every feature says ``synthetic: true``.
Rings run clockwise, as d3-geo and so Vega-Lite's geoshape expect (RFC 7946 prefers the reverse).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
from scipy.spatial import Voronoi

from insight_hub.borough import geography

MARGIN_METRES = 1500.0
WARD_CODE_PREFIX = "X05"


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


def ward_shapes() -> dict:
    """The synthetic wards (codes X05001001..., as dim_ward), from their fixed centroids."""
    points = np.array([[w.easting, w.northing] for w in geography.WARDS], dtype=float)
    codes = [f"{WARD_CODE_PREFIX}{1001 + i:06d}" for i in range(len(geography.WARDS))]
    return _collection(codes, [w.name for w in geography.WARDS], points, "ward")


def lsoa_shapes(seed: int) -> dict:
    """The synthetic LSOAs of the borough generated with `seed`, from their generated centroids."""
    lsoas = geography.build_geography(seed).lsoas
    points = lsoas[["easting", "northing"]].to_numpy(dtype=float)
    ward_codes = [f"{WARD_CODE_PREFIX}{1001 + int(w):06d}" for w in lsoas["ward"]]
    return _collection(
        lsoas["code"].astype(str).tolist(), lsoas["name"].astype(str).tolist(), points, "lsoa", ward_code=ward_codes
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m insight_hub.borough.shapes", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for wards.geojson and lsoas.geojson")
    parser.add_argument("--seed", type=int, default=20261101)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, shapes in (("wards", ward_shapes()), ("lsoas", lsoa_shapes(args.seed))):
        path = args.out / f"{name}.geojson"
        path.write_text(json.dumps(shapes))
        print(f"wrote {path}: {len(shapes['features'])} synthetic {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
