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
    f"select service_name, month_start_date, strftime(month_start_date, '%Y-%m') as month, "
    f"sum(first_contacts_count) as first_contacts_count, "
    f"case when count(first_contacts_count) = 0 then '[c]' end as first_contacts_count_status, "
    f"count(first_contacts_count_status) as withheld_ward_count "
    f"from {table_name} where {where} group by all order by all",
    params,
)
st.metric("First contacts in the period (published ward counts)", f"{int(monthly.first_contacts_count.sum()):,}")
plotted = monthly.dropna(subset=["first_contacts_count"])
if not plotted.empty:
    st.line_chart(
        plotted,
        x="month_start_date",
        y="first_contacts_count",
        color="service_name",
        x_label="month",
        y_label="first contacts (published ward counts)",
    )
common.table(
    monthly,
    "monthly_first_contacts",
    keep=["service_name", "month", "first_contacts_count", "first_contacts_count_status", "withheld_ward_count"],
    caption="first_contacts_count: the sum of the month's published ward counts, [c] when every ward is withheld; "
    "withheld_ward_count: wards withheld that month (not in the sum, so it is a lower bound).",
)
st.subheader("By ward")
wards = common.read(
    f"select *, strftime(month_start_date, '%Y-%m') as month from {table_name} where {where} "
    "order by service_name, month_start_date, ward_name",
    params,
)
common.table(
    wards,
    "ward_service_first_contacts",
    keep=[
        "service_name",
        "month",
        "ward_code",
        "ward_name",
        "first_contacts_count",
        "first_contacts_count_status",
    ],
)
