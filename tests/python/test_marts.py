"""The marts as the dashboards see them, checked on the built borough's manifest.

Rules guarded:
- each layer is a folder and a schema of its name (the suppression tables
  in schema disclosure); only marts, diagnostics and shares are public;
  staging and intermediate models are protected, the suppression tables
  private to the sharing group;
- every mart, diagnostic and share has an enforced contract, and every column
  a type and a description an analyst can read in the docs;
- every mart, diagnostic and share grants select to the BI reader role, and
  nothing else does (not upstream, not the suppression tables);
  on DuckDB, which has no roles, the grant is a no-op rather than a warning
  on every model;
- every exposure (dashboard) has an owner and reads public models only;
- every aggregate holding a commission's data carries commission_id, so a
  purge can find its rows.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from dbt_project import Workspace

BI_READER = "insight_hub_bi_reader"
# marts built from public reference data or registers only, or spanning commissions by design
WITHOUT_COMMISSION = {"dim_ward", "dim_lsoa", "dim_service", "dim_period", "ward_population_by_characteristic"}


@pytest.fixture(scope="module")
def manifest(built_borough: Workspace) -> dict:
    return json.loads(Path(built_borough.target, "manifest.json").read_text())


def _models(manifest: dict) -> list[dict]:
    return [node for node in manifest["nodes"].values() if node["resource_type"] == "model"]


# The aggregate layers, each in its own folder and schema of the same name.
AGGREGATE_LAYERS = ("marts", "diagnostics", "sharing")


def _layer(node: dict) -> str:
    return node["fqn"][1]


def _is_suppression_table(node: dict) -> bool:
    return node["fqn"][1:3] == ["sharing", "disclosure"]


def test_layers_are_schemas_and_only_aggregates_are_public(manifest: dict) -> None:
    for node in _models(manifest):
        expected_schema = "disclosure" if _is_suppression_table(node) else _layer(node)
        assert node["schema"] == expected_schema, f"{node['name']} is in schema {node['schema']}"
        if _layer(node) in AGGREGATE_LAYERS:
            expected = "private" if _is_suppression_table(node) else "public"
        else:
            expected = "protected"
        assert node["access"] == expected, f"{node['name']} is {node['access']}, not {expected}"
        assert node["group"], f"{node['name']} has no group"


def test_every_mart_has_a_contract_and_described_typed_columns(manifest: dict) -> None:
    for node in _models(manifest):
        if _layer(node) not in AGGREGATE_LAYERS or _is_suppression_table(node):
            continue
        assert node["config"]["contract"]["enforced"], node["name"]
        assert node["description"].strip(), node["name"]
        for column in node["columns"].values():
            assert column["description"].strip() and column["data_type"], f"{node['name']}.{column['name']}"


def test_marts_grant_the_bi_reader_and_nothing_else_does(manifest: dict, built_borough: Workspace) -> None:
    for node in _models(manifest):
        grants = {privilege: roles for privilege, roles in (node["config"].get("grants") or {}).items() if roles}
        if _layer(node) in AGGREGATE_LAYERS and not _is_suppression_table(node):
            assert grants == {"select": [BI_READER]}, node["name"]
        else:
            assert not grants, f"{node['name']} grants {grants}"
    log = Path(built_borough.logs, "dbt.log").read_text()
    assert "Grants for relations are not supported" not in log


def test_exposures_have_owners_and_read_public_models(manifest: dict) -> None:
    exposures = manifest["exposures"].values()
    assert {"service_demand_dashboard", "multiple_needs_dashboard", "data_quality_dashboard"} <= {
        e["name"] for e in exposures
    }
    for exposure in exposures:
        assert exposure["owner"]["name"] and exposure["owner"]["email"]
        parents = exposure["depends_on"]["nodes"]
        assert parents
        for parent in parents:
            assert manifest["nodes"][parent]["access"] == "public", f"{exposure['name']} reads {parent}"


def test_commission_data_carries_commission_id(manifest: dict, built_borough: Workspace) -> None:
    with duckdb.connect(str(built_borough.warehouse), read_only=True) as con:
        columns: dict[tuple[str, str], set[str]] = {}
        for schema, table, column in con.execute(
            "select table_schema, table_name, column_name from information_schema.columns"
        ).fetchall():
            columns.setdefault((schema, table), set()).add(column)
    for node in _models(manifest):
        if _layer(node) not in AGGREGATE_LAYERS or node["name"] in WITHOUT_COMMISSION:
            continue
        if node["fqn"][1:3] == ["diagnostics", "linkage"]:
            continue  # the linkage diagnostics belong to the linkage work
        relation = (node["schema"], node["name"])
        assert "commission_id" in columns[relation], f"{'.'.join(relation)} has no commission_id"
