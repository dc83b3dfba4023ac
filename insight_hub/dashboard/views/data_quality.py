"""Data quality and linkage diagnostics for the Hub's analysts (the hub_analysts file):
deliveries, rejects, quarantine, invalid identifiers, match rates and cluster sizes
(delivery_data_quality, linkage_match_rates, linkage_cluster_sizes)."""

from __future__ import annotations

import streamlit as st

from insight_hub.dashboard import common, data

AUDIENCE = data.HUB_ANALYSTS
common.header(
    "Data quality and linkage",
    "Per delivery file: rows received, rejected and quarantined, invalid identifiers, unresolved postcodes, "
    "match rate and freshness; how records link into people.",
    audience=AUDIENCE,
)
deliveries_table = common.relation("delivery_data_quality", AUDIENCE)
chosen = common.filters(commission_table=deliveries_table, audience=AUDIENCE)
where, params = chosen.where()
deliveries = common.read(
    f"select * from {deliveries_table} where {where} order by service_code, extracted_at", params, audience=AUDIENCE
)
st.subheader("Deliveries")
latest = deliveries[deliveries.is_latest_delivery]
cols = st.columns(4)
cols[0].metric("Delivery files", len(deliveries))
cols[1].metric("Rows received", f"{int(deliveries.received_row_count.sum()):,}")
cols[2].metric("Rows quarantined", f"{int(deliveries.quarantined_row_count.sum()):,}")
cols[3].metric("Latest files not fresh", int((latest.freshness_status.isin(["warn", "error"])).sum()))
common.table(deliveries, "delivery_data_quality")

st.subheader("Match rates")
matches = common.read(
    f"select * from {common.relation('linkage_match_rates', AUDIENCE)} where {where} order by all",
    params,
    audience=AUDIENCE,
)
if not matches.empty:
    st.bar_chart(matches, x="delivery_file", y="linked_record_rate", horizontal=True, y_label="linked record rate")
common.table(matches, "linkage_match_rates")

st.subheader("Cluster sizes")
commission_where, commission_params = chosen.where(service=False)
clusters = common.read(
    f"select * from {common.relation('linkage_cluster_sizes', AUDIENCE)} where {commission_where} "
    "order by records_per_person",
    commission_params,
    audience=AUDIENCE,
)
if not clusters.empty:
    st.bar_chart(clusters, x="records_per_person", y="person_count", x_label="records per person", y_label="people")
common.table(clusters, "linkage_cluster_sizes")
