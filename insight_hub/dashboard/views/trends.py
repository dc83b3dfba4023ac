"""Trends: monthly first contacts by service, borough-wide and by ward
(share_ward_service_first_contacts)."""

from __future__ import annotations

import streamlit as st

from insight_hub.dashboard import common

common.header(
    "Monthly first contacts",
    "People's first contact with each service, by month and ward. Borough totals add the wards' "
    "published counts; a month with any withheld ward is marked as a lower bound.",
)
table_name = common.relation("share_ward_service_first_contacts")
chosen = common.filters(commission_table=table_name, period=True)
where, params = chosen.where()
if chosen.first_month is not None:
    where += " and month_start_date between ? and ?"
    params += [chosen.first_month, chosen.last_month]
monthly = common.read(
    f"select service_name, month_start_date, sum(first_contacts_count) as first_contacts_count, "
    f"count(first_contacts_count_status) as withheld_ward_count "
    f"from {table_name} where {where} group by all order by all",
    params,
)
st.metric("First contacts in the period (published ward counts)", f"{int(monthly.first_contacts_count.sum()):,}")
if not monthly.empty:
    st.line_chart(
        monthly,
        x="month_start_date",
        y="first_contacts_count",
        color="service_name",
        x_label="month",
        y_label="first contacts (published ward counts)",
    )
st.caption("withheld_ward_count: wards whose count is [c] that month, not in the total.")
st.dataframe(monthly, hide_index=True, width="stretch")
st.download_button(
    "Download monthly_first_contacts.csv",
    monthly.to_csv(index=False).encode(),
    file_name="monthly_first_contacts.csv",
    mime="text/csv",
    key="csv-monthly",
)
st.subheader("By ward")
wards = common.read(
    f"select * from {table_name} where {where} order by service_name, month_start_date, ward_name", params
)
common.table(
    wards,
    "ward_service_first_contacts",
    keep=[
        "service_name",
        "month_start_date",
        "ward_code",
        "ward_name",
        "first_contacts_count",
        "first_contacts_count_status",
    ],
)
