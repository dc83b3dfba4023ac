"""The reference dashboard (Streamlit): pages over the published files only (insight_hub.publish).

    make dashboard                  # or: streamlit run insight_hub/dashboard/app.py

It opens published/services.duckdb (disclosure-controlled shares and dimensions) and, for the
data quality page, published/hub_analysts.duckdb, read-only with one short connection per query
(insight_hub.publish.connect), so a nightly build never blocks it and it never sees a partial
build. It never opens the warehouse and holds nothing person-level; a withheld (suppressed) count
and every figure derived from it is shown as ``[c]``, never as 0 or blank.
"""
