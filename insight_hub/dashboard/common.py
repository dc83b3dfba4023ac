"""What every page shares: the header (build time, disclosure rules), the filters, and a table
with its CSV download. Queries are cached per published file version, so a newly published
build is read on the next click and an old one is never mixed with it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from insight_hub.dashboard import data

ALL = "All"


@st.cache_data(ttl=300, show_spinner=False)
def _cached(sql: str, parameters: tuple[Any, ...], audience: str, version: int) -> pd.DataFrame:
    return data.query(sql, list(parameters), audience=audience)


def read(sql: str, parameters: list[Any] | None = None, audience: str = data.SERVICES) -> pd.DataFrame:
    """A query on the published file, cached until a new build is published."""
    return _cached(sql, tuple(parameters or []), audience, data.file_version(audience)).copy()


def relation(table_name: str, audience: str = data.SERVICES) -> str:
    """The quoted schema.table of a published table (schemas are the warehouse's, which differ by target)."""
    found = read("select table_schema from main.published_tables where table_name = ?", [table_name], audience=audience)
    if found.empty:
        st.error(f"{table_name} is not in the published {audience} file: publish a newer build")
        st.stop()
    return f'"{found.table_schema.iloc[0]}"."{table_name}"'


def require(audience: str) -> bool:
    """Stop the page with a plain message when the audience's file has not been published yet."""
    if data.is_published(audience):
        return True
    st.error(
        f"No published file at {data.audience_file(audience)}: run `make demo` (or the nightly run), "
        "then `make publish`, or set INSIGHT_HUB_PUBLISHED to the folder holding it."
    )
    st.stop()
    return False


def header(title: str, description: str, audience: str = data.SERVICES) -> None:
    """The page title, when its data was built and published, and the rules it was controlled with."""
    st.title(title)
    st.caption(description)
    require(audience)
    info = data.build_info(audience)
    built = pd.Timestamp(info.built_at).strftime("%d %b %Y %H:%M %Z")
    published = pd.Timestamp(info.published_at).strftime("%d %b %Y %H:%M %Z")
    st.markdown(
        f"**Data built** {built} · **published** {published} · build `{info.build_id[:8]}` · "
        f"file `{data.audience_file(audience).name}` ({info.audience})"
    )
    if audience == data.SERVICES:
        rules = data.disclosure_rules(audience)
        text = "; ".join(
            f"rule {r.disclosure_rule_id} for {r.recipient_type}: counts of 1 to {r.suppress_up_to} withheld, "
            f"others rounded to the nearest {r.rounding_base}, with secondary suppression"
            for r in rules.itertuples(index=False)
        )
        st.info(
            f"Disclosure control applied: {text}. `[c]` marks a withheld count and every figure "
            "computed from it; rates and intervals are computed from the published (rounded) counts."
        )
    else:
        st.warning(
            "For the Insight Hub's own analysts only: diagnostics without disclosure control. "
            "Do not share outside the Hub."
        )


@dataclass(frozen=True)
class Filters:
    commission_id: str | None
    service_code: str | None
    first_month: Any
    last_month: Any

    def where(self, *, service: bool = True, commission: bool = True) -> tuple[str, list[Any]]:
        """A SQL condition (and its parameters) for the chosen commission and service."""
        parts, params = ["true"], []
        if commission and self.commission_id:
            parts.append("commission_id = ?")
            params.append(self.commission_id)
        if service and self.service_code:
            parts.append("service_code = ?")
            params.append(self.service_code)
        return " and ".join(parts), params


def filters(
    *, commission_table: str, service: bool = True, period: bool = False, audience: str = data.SERVICES
) -> Filters:
    """The sidebar filters: commission, service and (where the page has months) period."""
    st.sidebar.header("Filters")
    commissions = read(f"select distinct commission_id from {commission_table} order by 1", audience=audience)
    choices = commissions.commission_id.tolist()
    commission = st.sidebar.selectbox("Commission", choices, key="commission") if choices else None
    service_code = None
    if service:
        services = read(
            f"select distinct s.service_code, s.service_name from {commission_table} t "
            f"join {relation('dim_service', audience)} s using (service_code) order by 1",
            audience=audience,
        )
        labels = {ALL: None} | {f"{r.service_name} ({r.service_code})": r.service_code for r in services.itertuples()}
        chosen = st.sidebar.selectbox("Service", list(labels), key="service")
        service_code = labels[chosen]
    first = last = None
    if period:
        months = read(f"select distinct month_start_date from {commission_table} order by 1", audience=audience)
        values = [pd.Timestamp(m).date() for m in months.month_start_date]
        if values:
            first, last = st.sidebar.select_slider(
                "Period (months)",
                options=values,
                value=(values[0], values[-1]),
                format_func=lambda d: d.strftime("%b %Y"),
                key="period",
            )
    return Filters(commission, service_code, first, last)


def table(frame: pd.DataFrame, name: str, *, keep: list[str] | None = None, caption: str | None = None) -> pd.DataFrame:
    """Show a published table as the rules require ([c] for withheld cells) with its CSV download."""
    shown = data.for_display(frame, keep=keep)
    st.dataframe(shown, hide_index=True, width="stretch")
    if caption:
        st.caption(caption)
    st.download_button(
        f"Download {name}.csv", data.to_csv(shown), file_name=f"{name}.csv", mime="text/csv", key=f"csv-{name}"
    )
    return shown


def figure(value: Any) -> str:
    """A figure as a headline shows it: [c] / n/a as they are, numbers with thousands separators."""
    if isinstance(value, str):
        return value
    number = float(value)
    return f"{int(number):,}" if number.is_integer() else f"{number:,.2f}"
