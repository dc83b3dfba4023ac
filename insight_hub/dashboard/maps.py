"""A map of a ward figure on the synthetic ward boundaries (insight_hub.borough.shapes): drawn only
when the published wards are the synthetic borough's, and labelled as synthetic geometry."""

from __future__ import annotations

import copy
from functools import cache

import pandas as pd
import streamlit as st

from insight_hub.borough import shapes
from insight_hub.dashboard import data


@cache
def _wards() -> dict:
    return shapes.ward_shapes()


def ward_map(wards: pd.DataFrame, service_name: str | None) -> None:
    """People known per 1,000 residents by ward on the synthetic boundaries; a withheld ward is grey, [c]."""
    collection = copy.deepcopy(_wards())
    shown = data.for_display(wards).set_index("ward_code") if not wards.empty else pd.DataFrame()
    features = [f for f in collection["features"] if f["properties"]["code"] in shown.index]
    if not features:
        st.caption("No map: the published wards are not the synthetic borough's (no boundaries for them here).")
        return
    for feature in features:
        row = wards[wards.ward_code == feature["properties"]["code"]].iloc[0]
        rate = row.people_known_rate_per_1000
        feature["properties"]["rate"] = None if pd.isna(rate) else float(rate)
        ring = feature["geometry"]["coordinates"][0][:-1]
        feature["properties"]["label_long"] = sum(x for x, _ in ring) / len(ring)
        feature["properties"]["label_lat"] = sum(y for _, y in ring) / len(ring)
        feature["properties"]["rate_label"] = str(
            shown.loc[feature["properties"]["code"], "people_known_rate_per_1000"]
        )
    st.vega_lite_chart(
        {
            "data": {"values": features},
            "projection": {"type": "mercator"},
            "height": 420,
            "layer": [
                {
                    "mark": {"type": "geoshape", "stroke": "white", "strokeWidth": 1, "fill": "#d0d0d0"},
                    "encoding": {
                        "tooltip": [
                            {"field": "properties.name", "title": "ward"},
                            {"field": "properties.rate_label", "title": "people known per 1,000"},
                        ],
                    },
                },
                {
                    "transform": [{"filter": "datum.properties.rate !== null"}],
                    "mark": {"type": "geoshape", "stroke": "white", "strokeWidth": 1},
                    "encoding": {
                        "color": {"field": "properties.rate", "type": "quantitative", "title": "per 1,000"},
                        "tooltip": [
                            {"field": "properties.name", "title": "ward"},
                            {"field": "properties.rate_label", "title": "people known per 1,000"},
                        ],
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
    st.caption(
        f"{service_name}: people known per 1,000 residents by ward; grey and [c] = withheld. "
        "SYNTHETIC ward boundaries (Voronoi cells around the generated ward centres, "
        "insight_hub.borough.shapes), not ONS boundaries."
    )
