"""What a service's or partner's dashboard reads is disclosure-controlled: the attack of a service manager who
opens a dashboard and reads a small count, on the built borough.

Rules guarded (models/_exposures.yml, dbt_project.yml):
- every exposure says who reads it (meta.audience): hub_analysts (the Hub's own analysts, who may read the
  unsuppressed marts), services or partners; the marts are labelled audience hub_analysts and the sharing models
  approved_recipients (folder defaults);
- a services or partners exposure reads only sharing models and dimensions (which hold no counts of people);
- nothing such a dashboard reads holds a count of people between 1 and 7, nor a count a recipient's rule
  withholds: read from the warehouse, every count it could show is 0, above the threshold or withheld.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from dbt_project import Workspace

CONTROLLED_AUDIENCES = {"services", "partners"}
# the dashboards service managers, commissioners and partners open (their descriptions say so)
SERVICE_AND_PARTNER_EXPOSURES = {
    "service_demand_dashboard",
    "multiple_needs_dashboard",
    "equalities_dashboard",
    "partner_exports",
}
# census figures (public), which the shares publish beside their counts
PUBLIC_COUNTS = {
    "resident_count",
    "household_count",
    "lsoa_count",
    "residents_total_count",
    "borough_resident_count",
    "borough_household_count",
}


@pytest.fixture(scope="module")
def manifest(built_borough: Workspace) -> dict:
    return json.loads(Path(built_borough.target, "manifest.json").read_text())


def _audience(exposure: dict) -> str | None:
    return exposure.get("meta", {}).get("audience") or exposure.get("config", {}).get("meta", {}).get("audience")


def _is_dimension(node: dict) -> bool:
    return node["name"].startswith("dim_")


def _is_share(node: dict) -> bool:
    return node["fqn"][1] == "sharing" and node["name"].startswith("share_")


def test_every_exposure_names_its_audience_and_folders_label_theirs(manifest: dict) -> None:
    audiences = {exposure["name"]: _audience(exposure) for exposure in manifest["exposures"].values()}
    assert audiences and set(audiences.values()) <= {"hub_analysts", *CONTROLLED_AUDIENCES}, audiences
    assert audiences["data_quality_dashboard"] == "hub_analysts"
    assert {
        name for name, audience in audiences.items() if audience in CONTROLLED_AUDIENCES
    } == SERVICE_AND_PARTNER_EXPOSURES
    models = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["fqn"][1] in ("marts", "diagnostics", "sharing")
    ]
    wrong = [
        node["name"]
        for node in models
        if node["config"]["meta"].get("audience")
        != ("approved_recipients" if _is_share(node) else "public" if _is_dimension(node) else "hub_analysts")
    ]
    assert not wrong, (
        "marts, diagnostics and suppression tables must say audience hub_analysts, dimensions public "
        f"and shares approved_recipients: {wrong}"
    )


def test_service_and_partner_dashboards_read_only_shares_and_dimensions(manifest: dict) -> None:
    read: dict[str, list[str]] = {}
    for exposure in manifest["exposures"].values():
        if exposure["name"] in SERVICE_AND_PARTNER_EXPOSURES or _audience(exposure) in CONTROLLED_AUDIENCES:
            for parent in exposure["depends_on"]["nodes"]:
                node = manifest["nodes"][parent]
                if not (_is_share(node) or _is_dimension(node)):
                    read.setdefault(exposure["name"], []).append(node["name"])
    assert not read, f"service and partner dashboards read unsuppressed marts: {read}"


def test_no_dashboard_for_services_or_partners_shows_a_small_count(manifest: dict, built_borough: Workspace) -> None:
    relations = {
        (manifest["nodes"][parent]["schema"], manifest["nodes"][parent]["name"])
        for exposure in manifest["exposures"].values()
        if exposure["name"] in SERVICE_AND_PARTNER_EXPOSURES
        for parent in exposure["depends_on"]["nodes"]
        if not _is_dimension(manifest["nodes"][parent])
    }
    assert relations
    small: dict[str, int] = {}
    with duckdb.connect(str(built_borough.warehouse), read_only=True) as con:
        for schema, relation in sorted(relations):
            columns = [
                name
                for (name,) in con.execute(
                    "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
                    [schema, relation],
                ).fetchall()
            ]
            threshold = "suppress_up_to" if "suppress_up_to" in columns else "7"
            for column in [c for c in columns if c.endswith("_count") and c not in PUBLIC_COUNTS]:
                counted = con.execute(
                    f"select count(*) from {schema}.{relation} where {column} between 1 and {threshold}"
                ).fetchone()
                assert counted is not None, "count(*) returns a row"
                (found,) = counted
                if found:
                    small[f"{relation}.{column}"] = found
    assert not small, f"cells a service or partner dashboard shows that hold 1 to 7 people or households: {small}"
