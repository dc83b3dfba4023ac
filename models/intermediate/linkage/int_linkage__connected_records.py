"""Splink's clustering of the linkage's edges: every record with the component
(connected group) of int_linkage__edges it belongs to, named by the smallest
record token in it. A record no edge reaches is a component of its own."""

from insight_hub.linkage.splink_run import connected_records


def model(dbt, session):
    dbt.config(materialized="table")
    records = dbt.ref("int_linkage__records")
    edges = dbt.ref("int_linkage__edges")
    return connected_records(session, records.sql_query(), edges.sql_query())
