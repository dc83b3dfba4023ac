"""The marts as the dashboards see them, checked on the built borough's manifest.

Rules guarded:
- only marts and sharing outputs are public; staging and intermediate models
  are protected, the suppression helpers private to the sharing group;
- every mart has an enforced contract, and every column a type and a
  description an analyst can read in the docs;
- every mart grants select to the BI reader role, and nothing upstream does;
  on DuckDB, which has no roles, the grant is a no-op rather than a warning
  on every model;
- every exposure (dashboard) has an owner and reads public models only;
- every mart holding a commission's data carries commission_id, so a purge
  can find its rows.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from insight_hub.tests.dbt_project import Workspace

BI_READER = "insight_hub_bi_reader"
# marts built from public reference data or registers only, or spanning commissions by design
WITHOUT_COMMISSION = {"dim_ward", "dim_lsoa", "dim_service", "dim_period", "ward_population_by_characteristic"}


@pytest.fixture(scope="module")
def manifest(built_borough: Workspace) -> dict:
    return json.loads(Path(built_borough.target, "manifest.json").read_text())


def _models(manifest: dict) -> list[dict]:
    return [node for node in manifest["nodes"].values() if node["resource_type"] == "model"]


def _layer(node: dict) -> str:
    return node["fqn"][1]


def test_only_marts_are_public(manifest: dict) -> None:
    for node in _models(manifest):
        if _layer(node) == "marts":
            expected = "private" if "disclosure" in node["fqn"] else "public"
        else:
            expected = "protected"
        assert node["access"] == expected, f"{node['name']} is {node['access']}, not {expected}"
        assert node["group"], f"{node['name']} has no group"


def test_every_mart_has_a_contract_and_described_typed_columns(manifest: dict) -> None:
    for node in _models(manifest):
        if _layer(node) != "marts" or node["config"]["materialized"] == "ephemeral":
            continue
        assert node["config"]["contract"]["enforced"], node["name"]
        assert node["description"].strip(), node["name"]
        for column in node["columns"].values():
            assert column["description"].strip() and column["data_type"], f"{node['name']}.{column['name']}"


def test_marts_grant_the_bi_reader_and_nothing_else_does(manifest: dict, built_borough: Workspace) -> None:
    for node in _models(manifest):
        if node["config"]["materialized"] == "ephemeral":
            continue  # never a relation, nothing to grant on
        grants = node["config"].get("grants") or {}
        if _layer(node) == "marts":
            assert grants.get("select") == [BI_READER], node["name"]
        else:
            assert not grants, f"{node['name']} grants {grants}"
    log = Path(built_borough.logs, "dbt.log").read_text()
    assert "Grants for relations are not supported" not in log


def test_exposures_have_owners_and_read_public_models(manifest: dict) -> None:
    exposures = manifest["exposures"].values()
    assert {"service_demand_dashboard", "multiple_needs_dashboard", "data_quality_dashboard"} <= {e["name"] for e in exposures}
    for exposure in exposures:
        assert exposure["owner"]["name"] and exposure["owner"]["email"]
        parents = exposure["depends_on"]["nodes"]
        assert parents
        for parent in parents:
            assert manifest["nodes"][parent]["access"] == "public", f"{exposure['name']} reads {parent}"


def test_commission_data_carries_commission_id(manifest: dict, built_borough: Workspace) -> None:
    with duckdb.connect(str(built_borough.warehouse), read_only=True) as con:
        columns = {}
        for table, column in con.execute(
                "select table_name, column_name from information_schema.columns where table_schema = 'marts'").fetchall():
            columns.setdefault(table, set()).add(column)
    for node in _models(manifest):
        if _layer(node) != "marts" or node["name"] not in columns or node["name"] in WITHOUT_COMMISSION:
            continue
        if node["fqn"][2] == "linkage":
            continue  # the linkage diagnostics belong to the linkage work
        assert "commission_id" in columns[node["name"]], f"marts.{node['name']} has no commission_id"
