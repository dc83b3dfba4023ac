"""Multiple needs: households known to 1, 2, 3 and 4 or more services by ward, and which services
see the same households (the overlap matrix as a heat map) (share_ward_multiple_needs,
share_service_overlap)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from insight_hub.dashboard import common, data

common.header(
    "Multiple needs",
    "Households known to one, two, three and four or more targeted services, by ward, and which services "
    "see the same households. Counts cover the commission's whole period.",
)
ward_table = common.relation("share_ward_multiple_needs")
chosen = common.filters(commission_table=ward_table, service=False)
where, params = chosen.where(service=False)
BANDS = {
    "known_to_1_service_count": "1 service",
    "known_to_2_services_count": "2 services",
    "known_to_3_services_count": "3 services",
    "known_to_4_plus_services_count": "4+ services",
}

wards = common.read(f"select * from {ward_table} where {where} order by ward_name", params)
if not wards.empty:
    borough = data.for_display(
        wards[
            [
                "borough_multiple_needs_households_count",
                "borough_multiple_needs_households_count_status",
                "borough_multiple_needs_rate_per_1000",
            ]
        ].head(1)
    ).iloc[0]
    cols = st.columns(2)
    cols[0].metric(
        "Borough households known to 2+ services", common.figure(borough.borough_multiple_needs_households_count)
    )
    cols[1].metric("Borough rate per 1,000 households", common.figure(borough.borough_multiple_needs_rate_per_1000))
st.subheader("Households by number of services, by ward")
long = wards.melt(id_vars=["ward_name"], value_vars=list(BANDS), var_name="band", value_name="households")
long["band"] = long.band.map(BANDS)
long = long.dropna(subset=["households"])
if not long.empty:
    st.bar_chart(long, x="ward_name", y="households", color="band", x_label="ward", y_label="households")
st.caption("Withheld ([c]) counts are left out of the chart; the table shows them.")
common.table(
    wards,
    "ward_multiple_needs",
    keep=[
        "ward_code",
        "ward_name",
        "household_count",
        "households_known_count",
        "households_known_count_status",
        *[c for band in BANDS for c in (band, f"{band}_status")],
        "multiple_needs_households_count",
        "multiple_needs_households_count_status",
        "multiple_needs_rate_per_1000",
        "multiple_needs_rate_per_1000_ci_lower",
        "multiple_needs_rate_per_1000_ci_upper",
        "borough_multiple_needs_rate_per_1000",
        "multiple_needs_compared_with_borough",
    ],
)

st.subheader("Service overlap")
overlap = common.read(
    f"select * from {common.relation('share_service_overlap')} where {where} "
    "order by first_service_name, second_service_name",
    params,
)
measure = st.radio(
    "Cell shows",
    ["households_known_to_both_count", "jaccard_index", "first_service_share_also_known_to_second"],
    format_func=lambda c: {
        "households_known_to_both_count": "households known to both",
        "jaccard_index": "Jaccard index (both / either)",
        "first_service_share_also_known_to_second": "share of the row service's households also known to the column's",
    }[c],
    horizontal=True,
    key="overlap-measure",
)
shown = data.for_display(overlap)
cells = pd.DataFrame(
    {
        "first_service_name": overlap.first_service_name,
        "second_service_name": overlap.second_service_name,
        "value": pd.to_numeric(overlap[measure], errors="coerce"),
        "label": shown[measure].astype(str),
    }
)
if not cells.empty:
    st.vega_lite_chart(
        cells,
        {
            "layer": [
                {
                    "mark": "rect",
                    "encoding": {
                        "x": {"field": "second_service_name", "type": "nominal", "title": None},
                        "y": {"field": "first_service_name", "type": "nominal", "title": None},
                        "color": {"field": "value", "type": "quantitative", "title": None},
                        "tooltip": [
                            {"field": "first_service_name"},
                            {"field": "second_service_name"},
                            {"field": "label", "title": "value"},
                        ],
                    },
                },
                {
                    "mark": {"type": "text", "fontSize": 10},
                    "encoding": {
                        "x": {"field": "second_service_name", "type": "nominal"},
                        "y": {"field": "first_service_name", "type": "nominal"},
                        "text": {"field": "label"},
                    },
                },
            ]
        },
        width="stretch",
    )
st.caption("Each cell is labelled with its published value; a withheld cell reads [c] and has no colour.")
common.table(
    overlap,
    "service_overlap",
    keep=[
        "first_service_name",
        "second_service_name",
        "first_service_households_count",
        "first_service_households_count_status",
        "second_service_households_count",
        "second_service_households_count_status",
        "households_known_to_both_count",
        "households_known_to_both_count_status",
        "jaccard_index",
        "first_service_share_also_known_to_second",
        "second_service_share_also_known_to_first",
    ],
)

st.subheader("By deprivation decile")
deciles = common.read(
    f"select * from {common.relation('share_imd_decile_multiple_needs')} where {where} order by imd_decile", params
)
common.table(
    deciles,
    "imd_decile_multiple_needs",
    keep=[
        "imd_decile",
        "lsoa_count",
        "household_count",
        "multiple_needs_households_count",
        "multiple_needs_households_count_status",
        "multiple_needs_rate_per_1000",
        "multiple_needs_rate_per_1000_ci_lower",
        "multiple_needs_rate_per_1000_ci_upper",
        "multiple_needs_compared_with_borough",
    ],
    caption="IMD decile 1 = the most deprived tenth of LSOAs in England.",
)

st.subheader("Financial vulnerability")
vulnerable = common.read(
    f"select * from {common.relation('share_ward_financial_vulnerability')} where {where} order by ward_name", params
)
common.table(
    vulnerable,
    "ward_financial_vulnerability",
    keep=[
        "ward_code",
        "ward_name",
        "household_count",
        "financially_vulnerable_households_count",
        "financially_vulnerable_households_count_status",
        "vulnerable_known_to_social_care_count",
        "vulnerable_known_to_social_care_count_status",
        "vulnerable_known_to_housing_count",
        "vulnerable_known_to_housing_count_status",
        "vulnerable_known_to_community_safety_count",
        "vulnerable_known_to_community_safety_count_status",
        "vulnerable_known_to_any_rate_per_1000",
        "vulnerable_known_to_any_compared_with_borough",
    ],
    caption="Households under financial pressure (arrears or council tax reduction) also known to social care, "
    "housing or community safety.",
)
