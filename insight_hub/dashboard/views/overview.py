"""Overview: what the dashboard shows, from which published build, and a link to each page."""

from __future__ import annotations

import streamlit as st

from insight_hub.dashboard import common, data

common.header(
    "Insight Hub dashboards",
    "Borough-level insight from the council's service extracts: aggregates only, read from the published "
    "files of the last build that passed its checks.",
)
tables = common.read("select table_schema, table_name, row_count from main.published_tables order by all")
cols = st.columns(2)
cols[0].metric("Published tables (services file)", len(tables))
cols[1].metric("Rows", f"{int(tables.row_count.sum()):,}")
st.markdown(
    "- **Service demand**: people known per 1,000 residents by ward with 95% intervals against the borough; "
    "LSOA drill-down.\n"
    "- **Multiple needs**: households known to 1, 2, 3 and 4+ services by ward; the service overlap heat map.\n"
    "- **Equalities**: representation ratios with intervals by age band, sex and ethnic group.\n"
    "- **Trends**: monthly first contacts by service and ward.\n"
    "- **Data quality and linkage** (Hub analysts only): deliveries, rejects, quarantine, match rates, "
    "cluster sizes."
)
common.table(tables, "published_tables", caption="What the services file holds (main.published_tables).")
if data.dashboard_audience() == data.HUB_ANALYSTS and data.is_published(data.HUB_ANALYSTS):
    st.caption(f"Hub analysts' file: {data.audience_file(data.HUB_ANALYSTS)}")
