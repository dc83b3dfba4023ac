"""Equalities: each service's users by age band, sex and ethnic group against the census
population, as representation ratios with 95% intervals (share_service_equalities)."""

from __future__ import annotations

import streamlit as st

from insight_hub.dashboard import common

common.header(
    "Who services reach",
    "Each service's users by age band, sex and ethnic group against the census population: the "
    "representation ratio (users' share over residents' share; 1 = as the population) with its 95% interval.",
)
table_name = common.relation("share_service_equalities")
chosen = common.filters(commission_table=table_name)
where, params = chosen.where()
characteristics = common.read(f"select distinct characteristic from {table_name} order by 1").characteristic.tolist()
characteristic = st.radio("Characteristic", characteristics, horizontal=True, key="characteristic")
rows = common.read(
    f"select * from {table_name} where {where} and characteristic = ? order by service_name, category_order",
    [*params, characteristic],
)
counts = rows.representation.value_counts()
cols = st.columns(3)
for col, (label, name) in zip(
    cols,
    [
        ("under-represented", "Groups under-represented"),
        ("in proportion", "Groups in proportion"),
        ("over-represented", "Groups over-represented"),
    ],
    strict=True,
):
    col.metric(name, int(counts.get(label, 0)))
plotted = rows[rows.representation_ratio.notna()].assign(
    representation=lambda frame: frame.representation.fillna("no interval")
)
if not plotted.empty:
    st.vega_lite_chart(
        plotted[
            [
                "service_name",
                "category_label",
                "category_order",
                "representation_ratio",
                "representation_ratio_ci_lower",
                "representation_ratio_ci_upper",
                "representation",
            ]
        ],
        {
            "facet": {"row": {"field": "service_name", "type": "nominal", "title": None}},
            "spec": {
                "layer": [
                    {
                        "mark": "rule",
                        "encoding": {
                            "y": {
                                "field": "category_label",
                                "type": "nominal",
                                "title": None,
                                "sort": {"field": "category_order"},
                            },
                            "x": {
                                "field": "representation_ratio_ci_lower",
                                "type": "quantitative",
                                "title": "representation ratio (95% interval)",
                            },
                            "x2": {"field": "representation_ratio_ci_upper"},
                        },
                    },
                    {
                        "mark": {"type": "point", "filled": True, "size": 50},
                        "encoding": {
                            "y": {"field": "category_label", "type": "nominal", "sort": {"field": "category_order"}},
                            "x": {"field": "representation_ratio", "type": "quantitative"},
                            "color": {
                                "field": "representation",
                                "type": "nominal",
                                "scale": {
                                    "domain": ["under-represented", "in proportion", "over-represented", "no interval"],
                                    "range": ["#1f77b4", "#888888", "#d62728", "#cccccc"],
                                },
                            },
                        },
                    },
                    {"mark": {"type": "rule", "strokeDash": [4, 4], "color": "gray"}, "encoding": {"x": {"datum": 1}}},
                ]
            },
        },
    )
st.caption("Dashed line: 1, users in the same proportion as residents. Withheld ([c]) groups are not plotted.")
common.table(
    rows,
    "service_equalities",
    keep=[
        "service_name",
        "characteristic",
        "category_label",
        "resident_count",
        "residents_total_count",
        "users_count",
        "users_count_status",
        "users_with_known_value_count",
        "users_with_known_value_count_status",
        "users_share",
        "resident_share",
        "representation_ratio",
        "representation_ratio_ci_lower",
        "representation_ratio_ci_upper",
        "representation",
    ],
)
