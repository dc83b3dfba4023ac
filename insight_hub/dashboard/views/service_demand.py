"""Service demand: people known per 1,000 residents by ward, with 95% intervals, against the
borough, and on a ward map; the LSOAs of a chosen ward on a map and in a table
(share_ward_service_demand, share_lsoa_service_demand, share_borough_service_demand; the maps'
boundaries: insight_hub.dashboard.maps)."""

from __future__ import annotations

import streamlit as st

from insight_hub.dashboard import common, data
from insight_hub.dashboard.maps import LSOA, WARD, area_map

common.header(
    "Service demand by ward and LSOA",
    "Where each service's people live: people known per 1,000 residents, by ward and LSOA, with 95% "
    "Wilson intervals, against the borough rate. Counts cover the commission's whole period.",
)
# a people-known count as every table here shows it: withheld or not, its rate and 95% interval
PEOPLE_KNOWN = [
    "people_known_count",
    "people_known_count_status",
    "people_known_rate_per_1000",
    "people_known_rate_per_1000_ci_lower",
    "people_known_rate_per_1000_ci_upper",
]

ward_table = common.relation("share_ward_service_demand")
chosen = common.filters(commission_table=ward_table)
where, params = chosen.where()

borough = common.read(
    f"select * from {common.relation('share_borough_service_demand')} where {where} order by service_name", params
)
st.subheader("Borough")
common.table(
    borough,
    "borough_service_demand",
    keep=[
        "service_name",
        "resident_count",
        *PEOPLE_KNOWN,
        "households_known_count",
        "households_known_count_status",
        "households_known_rate_per_1000",
    ],
)

wards = common.read(f"select * from {ward_table} where {where} order by service_name, ward_name", params)
st.subheader("Wards")
# the service with the most wards published (fewest withheld) first, then by name
published_wards = wards.groupby("service_name").people_known_rate_per_1000.count()
services = sorted(published_wards.index, key=lambda name: (-published_wards[name], name))
if len(services) > 1:
    service_name = st.selectbox("Service to chart", services, key="chart-service")
else:
    service_name = services[0] if services else None
headline = borough[borough.service_name == service_name]
if not headline.empty:
    shown = data.for_display(headline).iloc[0]
    cols = st.columns(3)
    cols[0].metric(f"{service_name}: people known", common.figure(shown.people_known_count))
    cols[1].metric("Borough rate per 1,000 residents", common.figure(shown.people_known_rate_per_1000))
    cols[2].metric(
        "95% interval",
        f"{common.figure(shown.people_known_rate_per_1000_ci_lower)} to "
        f"{common.figure(shown.people_known_rate_per_1000_ci_upper)}",
    )
plotted = wards[(wards.service_name == service_name) & wards.people_known_rate_per_1000.notna()]
withheld = int(((wards.service_name == service_name) & wards.people_known_rate_per_1000.isna()).sum())
if not plotted.empty:
    st.vega_lite_chart(
        plotted[
            [
                "ward_name",
                "people_known_rate_per_1000",
                "people_known_rate_per_1000_ci_lower",
                "people_known_rate_per_1000_ci_upper",
                "borough_people_known_rate_per_1000",
                "people_known_compared_with_borough",
            ]
        ],
        {
            "layer": [
                {
                    "mark": {"type": "rule"},
                    "encoding": {
                        "y": {"field": "ward_name", "type": "nominal", "title": None, "sort": "-x"},
                        "x": {
                            "field": "people_known_rate_per_1000_ci_lower",
                            "type": "quantitative",
                            "title": "people known per 1,000 residents (95% interval)",
                            "scale": {"zero": False},
                        },
                        "x2": {"field": "people_known_rate_per_1000_ci_upper"},
                    },
                },
                {
                    "mark": {"type": "point", "filled": True, "size": 60},
                    "encoding": {
                        "y": {"field": "ward_name", "type": "nominal", "sort": "-x"},
                        "x": {"field": "people_known_rate_per_1000", "type": "quantitative"},
                        "color": {
                            "field": "people_known_compared_with_borough",
                            "type": "nominal",
                            "title": "against the borough",
                            "scale": {
                                "domain": ["lower", "similar", "higher"],
                                "range": ["#1f77b4", "#888888", "#d62728"],
                            },
                        },
                        "tooltip": [
                            {"field": "ward_name"},
                            {"field": "people_known_rate_per_1000"},
                            {"field": "people_known_rate_per_1000_ci_lower"},
                            {"field": "people_known_rate_per_1000_ci_upper"},
                        ],
                    },
                },
                {
                    "mark": {"type": "rule", "strokeDash": [4, 4], "color": "gray"},
                    "encoding": {"x": {"aggregate": "max", "field": "borough_people_known_rate_per_1000"}},
                },
            ],
        },
        width="stretch",
    )
st.caption(
    f"{service_name}: dashed line = borough rate; bars = 95% interval. "
    + (f"{withheld} ward(s) withheld ([c]) are not plotted." if withheld else "No ward withheld.")
)
area_map(wards[wards.service_name == service_name], WARD, service_name)
common.table(
    wards,
    "ward_service_demand",
    keep=[
        "service_name",
        "ward_code",
        "ward_name",
        "resident_count",
        *PEOPLE_KNOWN,
        "borough_people_known_rate_per_1000",
        "people_known_rate_ratio_to_borough",
        "people_known_compared_with_borough",
        "households_known_count",
        "households_known_count_status",
        "households_known_rate_per_1000",
    ],
)

st.subheader("LSOA drill-down")
ward_names = sorted(wards.ward_name.unique().tolist())
if ward_names:
    ward_name = st.selectbox("Ward", ward_names, key="ward")
    lsoas = common.read(
        f"select * from {common.relation('share_lsoa_service_demand')} where {where} and ward_name = ? "
        "order by service_name, lsoa21_name",
        [*params, ward_name],
    )
    area_map(lsoas[lsoas.service_name == service_name], LSOA, service_name)
    common.table(
        lsoas,
        "lsoa_service_demand",
        keep=[
            "service_name",
            "lsoa21_code",
            "lsoa21_name",
            "imd_decile",
            "resident_count",
            *PEOPLE_KNOWN,
            "people_known_compared_with_borough",
        ],
    )

st.subheader("Community safety demand by ward")
all_services, all_services_params = chosen.where(service=False)
safety = common.read(
    f"select * from {common.relation('share_ward_community_safety_demand')} where {all_services} order by ward_name",
    all_services_params,
)
common.table(
    safety,
    "ward_community_safety_demand",
    keep=[
        "ward_code",
        "ward_name",
        "resident_count",
        *PEOPLE_KNOWN,
        "people_known_compared_with_borough",
        "households_with_other_needs_count",
        "households_with_other_needs_count_status",
        "households_with_other_needs_share",
    ],
)
