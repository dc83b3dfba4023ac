"""Insight Hub warehouse: the synthetic borough, dbt plugins, pseudonymisation and reporting helpers."""
