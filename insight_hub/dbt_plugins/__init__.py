"""dbt-duckdb plugins configured in profiles.yml."""
