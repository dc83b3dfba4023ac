"""The dashboard's entry point: `streamlit run insight_hub/dashboard/app.py` (make dashboard).

One page per dashboard exposure in models/_exposures.yml; each page is its own script under
views/ (not pages/, which Streamlit would take for its older multipage layout), addressed as http://localhost:8501/<url path>."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from insight_hub.dashboard import data

HERE = Path(__file__).parent
# (script, url path, title, audience): the url paths are the exposures' urls; the overview is the
# default page (served at /), so every exposure's page keeps its own address
PAGES = [
    ("overview.py", "overview", "Overview", data.SERVICES),
    ("service_demand.py", "service-demand", "Service demand", data.SERVICES),
    ("multiple_needs.py", "multiple-needs", "Multiple needs", data.SERVICES),
    ("equalities.py", "equalities", "Equalities", data.SERVICES),
    ("trends.py", "trends", "Trends", data.SERVICES),
    ("data_quality.py", "data-quality", "Data quality and linkage", data.HUB_ANALYSTS),
]


def main() -> None:
    st.set_page_config(page_title="Insight Hub", layout="wide")
    shown = [page for page in PAGES if page[3] == data.SERVICES or data.dashboard_audience() == data.HUB_ANALYSTS]
    navigation = st.navigation(
        [
            st.Page(HERE / "views" / script, url_path=url_path, title=title, default=index == 0)
            for index, (script, url_path, title, _) in enumerate(shown)
        ]
    )
    st.sidebar.caption(
        "Synthetic borough data (make demo). Read-only from the published files in "
        f"`{data.published_dir()}`; `[c]` = withheld under disclosure control."
    )
    navigation.run()


if __name__ == "__main__":  # how Streamlit runs a script (its tests too); importing PAGES draws nothing
    main()
