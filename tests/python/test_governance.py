"""The build enforces governance: one failing fixture per rule, each proving
that `dbt build` stops, naming the model or column, before anything is built,
or that the check of the built warehouse names it.

Rules guarded before anything is built (macros/governance.sql, on-run-start):
metadata present; categories and recipients in the published notice;
categories agreed by the commission; identifiable data only with an approved,
in-date risk assessment; no direct identifier outside staging; classification
travels to same-named columns; no stored test failures over identifiable
data; only staging models read sources (no other model, snapshot or
exposure); staging models are views or ephemeral, the rejected-rows record
aside.

Rules guarded on the built warehouse (insight_hub.governance, run by `make
build` after dbt build): every relation is a node of the project and every
column it really has is declared and classified; classifications travel by
column lineage from the compiled SQL, whatever the columns are renamed to;
SQL reads no file and no relation outside the project; a public model counts
nobody in the service records.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

from insight_hub import governance
from dbt_project import Workspace, copy_project

SPINE_YAML = "models/intermediate/person_records/int_person_records__geocoded.yml"
WARD_DEMAND_YAML = "models/marts/services/ward_service_demand.yml"


@pytest.fixture
def project(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path / "run", project=copy_project(tmp_path / "project"))


def _edit_yaml(path: Path, change) -> None:
    document = yaml.safe_load(path.read_text())
    change(document)
    path.write_text(yaml.safe_dump(document, sort_keys=False))


def _column(document: dict, name: str) -> dict:
    return next(c for c in document["models"][0]["columns"] if c["name"] == name)


def _build_fails_with(project: Workspace, *messages: str) -> None:
    completed = project.dbt("build", "--select", "commissions", "--resource-type", "seed", check=False)
    output = completed.stdout + completed.stderr
    assert completed.returncode != 0, output[-3000:]
    assert "Governance check failed" in output
    for message in messages:
        assert message in output, f"{message!r} not in:\n{output[-4000:]}"
    assert "OK loaded seed" not in output, "the run went on to build after the check failed"


def test_unbroken_project_passes_the_check(project: Workspace) -> None:
    completed = project.dbt("build", "--select", "commissions", "--resource-type", "seed")
    assert "Governance check passed" in completed.stdout


def test_missing_model_metadata_fails(project: Workspace) -> None:
    _edit_yaml(project.project / WARD_DEMAND_YAML,
               lambda d: d["models"][0].setdefault("config", {}).setdefault("meta", {}).update(retention_class=None))
    _build_fails_with(project, "model ward_service_demand: meta.retention_class is missing")


def test_missing_column_metadata_fails(project: Workspace) -> None:
    _edit_yaml(project.project / SPINE_YAML, lambda d: _column(d, "surname_token")["config"]["meta"].pop("data_category"))
    _build_fails_with(project, "model int_person_records__geocoded, column surname_token: data_category and identifiability are required")


def test_category_not_in_privacy_notice_fails(project: Workspace) -> None:
    _edit_yaml(project.project / SPINE_YAML,
               lambda d: _column(d, "sex")["config"]["meta"].update(data_category="Biometric data"))
    _build_fails_with(project, "column sex: data category 'Biometric data' is not in the published privacy notice")


def test_category_not_agreed_for_commission_fails(project: Workspace) -> None:
    register = project.project / "seeds/governance/commissions.csv"
    register.write_text(register.read_text().replace("|Criminal/Prosecution Information", ""))
    _build_fails_with(
        project,
        "source community_safety.asb_cases, column Case Number: data category 'Criminal/Prosecution Information' "
        "was not agreed for commission IH-2026-001",
    )


def test_a_category_a_model_brings_in_must_be_agreed(project: Workspace) -> None:
    """A category no parent carries is new processing: it must be agreed for every commission whose data
    reaches the model (a category a parent carries was judged there, per commission; test_retention builds a
    union spine over a commission that agreed fewer categories)."""
    register = project.project / "seeds/governance/commissions.csv"
    register.write_text(register.read_text().replace("|Images in photographs or film/CCTV", ""))
    model = project.project / "models/intermediate/households/int_households__pictured.sql"
    model.write_text("select household_key from {{ ref('int_households__located') }}\n")
    model.with_suffix(".yml").write_text(yaml.safe_dump({"version": 2, "models": [{
        "name": "int_households__pictured", "description": "Households with a picture.",
        "columns": [{"name": "household_key", "description": "Household key.", "config": {"meta": {
            "data_category": ["Address & contact details", "Name", "Property information",
                              "Images in photographs or film/CCTV"],
            "identifiability": "pseudonymised"}}}],
    }]}))
    _build_fails_with(
        project,
        "model int_households__pictured, column household_key: data category 'Images in photographs or film/CCTV' "
        "was not agreed for commission IH-2026-001",
    )


def test_recipient_not_in_privacy_notice_fails(project: Workspace) -> None:
    approvals = project.project / "seeds/governance/sharing_approvals.csv"
    approvals.write_text(approvals.read_text().rstrip("\n") + "\nSA-TEST-1,Data brokers,IH-2026-001,ward_service_demand,DPO,2026-11-01,2027-11-01\n")
    _build_fails_with(project, "sharing approval SA-TEST-1: recipient 'Data brokers' is not in the published privacy notice")


@pytest.mark.parametrize(
    ("status", "review_date", "message"),
    [
        ("draft", "2099-01-01", "source housing.housing_register: holds identifiable data of commission IH-2026-001 "
                                "without an approved risk assessment"),
        ("approved", "2020-01-01", "source housing.housing_register: the risk assessment RA-2026-014 for commission "
                                   "IH-2026-001 passed its review date 2020-01-01"),
    ],
)
def test_identifiable_data_needs_approved_in_date_risk_assessment(project: Workspace, status: str, review_date: str, message: str) -> None:
    project.generate_borough("--scale", "0.005", "--services", "housing")  # a source holds data while files have landed
    register = project.project / "seeds/governance/risk_assessments.csv"
    lines = register.read_text().splitlines()
    fields = lines[1].split(",")
    fields[3], fields[6] = status, review_date
    register.write_text("\n".join([lines[0], ",".join(fields)]) + "\n")
    _build_fails_with(project, message)


def test_direct_identifier_outside_staging_fails(project: Workspace) -> None:
    model = project.project / "models/intermediate/person_records/int_person_records__leaky.sql"
    model.write_text("select * from {{ ref('int_person_records__geocoded') }}\n")
    model.with_suffix(".yml").write_text(yaml.safe_dump({"version": 2, "models": [{
        "name": "int_person_records__leaky", "description": "A model that should never exist.",
        "columns": [{"name": "postcode", "description": "A cleartext postcode.",
                     "config": {"meta": {"data_category": "Address & contact details", "identifiability": "identifiable"}}}],
    }]}))
    _build_fails_with(project, "model int_person_records__leaky, column postcode: a direct identifier outside staging")


def test_classification_must_travel_down_lineage(project: Workspace) -> None:
    _edit_yaml(project.project / SPINE_YAML, lambda d: _column(d, "nhs_number_token")["config"]["meta"].update(data_category="none"))
    _build_fails_with(project, "column nhs_number_token: its parent stg_adult_social_care__asc_services classifies it 'NHS Number'")


def test_stored_failures_over_staging_fail(project: Workspace) -> None:
    twin = project.project / "models/staging/housing/stg_housing__housing_register.yml"
    _edit_yaml(twin, lambda d: d["models"][0].update(data_tests=[{"person_extract_is_sound": {"config": {"store_failures": True}}}]))
    _build_fails_with(project, "store_failures would keep failing rows of model.insight_hub.stg_housing__housing_register")


# An analyst's model that reads the NHS extract directly and renames what it
# keeps: nothing in its name or its YAML says identifier.
SOURCE_READER_SQL = """{{ config(materialized='table') }}

with

extract as (
    select * from {{ source('nhs_partner', 'nhs_partner_extract') }}
),

renamed as (
    select
        extract.person_given_name as given,
        extract.person_family_name as fam,
        extract.nhs_number as nhs,
        cast(try_strptime(extract.person_birth_date, '%Y-%m-%d') as date) as bd,
        {'given': extract.person_given_name, 'fam': extract.person_family_name} as person
    from extract
)

select * from renamed
"""


def _innocent_twin(name: str, columns: list[str]) -> str:
    return yaml.safe_dump({"version": 2, "models": [{
        "name": name, "description": "Looks harmless.",
        "columns": [{"name": c, "description": f"The {c}.", "config": {"meta": {"data_category": "none"}}} for c in columns],
    }]})


def test_a_model_outside_staging_may_not_read_a_source(project: Workspace) -> None:
    model = project.project / "models/intermediate/person_records/int_person_records__annotated.sql"
    model.write_text(SOURCE_READER_SQL)
    model.with_suffix(".yml").write_text(_innocent_twin("int_person_records__annotated", ["given", "fam", "nhs", "bd", "person"]))
    _build_fails_with(project, "model int_person_records__annotated: reads source nhs_partner.nhs_partner_extract directly; "
                               "only staging models (models/staging/) may read a source")


def test_a_snapshot_may_not_read_a_source(project: Workspace) -> None:
    (project.project / "snapshots/nhs_partner_history.yml").write_text(yaml.safe_dump({"snapshots": [{
        "name": "nhs_partner_history", "relation": "source('nhs_partner', 'nhs_partner_extract')",
        "config": {"schema": "governance", "unique_key": "RECORD_ID", "strategy": "check", "check_cols": "all",
                   "meta": {"commission": "lineage", "identifiability": "none", "data_category": "none",
                            "retention_class": "governance_record"}},
    }]}))
    _build_fails_with(project, "snapshot nhs_partner_history: reads source nhs_partner.nhs_partner_extract directly")


def test_a_staging_model_may_not_be_a_table(project: Workspace) -> None:
    twin = project.project / "models/staging/housing/stg_housing__housing_register.yml"
    _edit_yaml(twin, lambda d: d["models"][0]["config"].update(materialized="table"))
    _build_fails_with(project, "model stg_housing__housing_register: a staging model is materialized as 'table'; "
                               "staging models are views or ephemeral")


# The built warehouse against the project: insight_hub.governance


def _check(workspace: Workspace, warehouse: Path | None = None) -> list[str]:
    manifest = json.loads((workspace.target / "manifest.json").read_text())
    violations, _ = governance.check(manifest, warehouse or workspace.warehouse)
    return violations


def test_the_built_borough_passes_the_catalogue_check(built_borough: Workspace) -> None:
    manifest = json.loads((built_borough.target / "manifest.json").read_text())
    violations, seconds = governance.check(manifest, built_borough.warehouse)
    assert violations == []
    print(f"column lineage of {sum(n['resource_type'] == 'model' for n in manifest['nodes'].values())} models: {seconds:.1f} s")


@pytest.fixture
def warehouse_copy(built_borough: Workspace, tmp_path: Path) -> Path:
    copy = tmp_path / "insight_hub.duckdb"
    shutil.copy(built_borough.warehouse, copy)
    return copy


def test_a_column_only_in_the_warehouse_fails(built_borough: Workspace, warehouse_copy: Path) -> None:
    with duckdb.connect(str(warehouse_copy)) as con:
        con.execute("alter table marts.ward_service_demand add column note varchar").fetchall()
    assert _check(built_borough, warehouse_copy) == [
        "model ward_service_demand, column note: in the warehouse but not declared in its YAML twin"]


def test_a_relation_that_is_not_a_node_of_the_project_fails(built_borough: Workspace, warehouse_copy: Path) -> None:
    with duckdb.connect(str(warehouse_copy)) as con:
        con.execute("create table marts.people_extract as select * from intermediate.int_person_records__keyed").fetchall()
    assert _check(built_borough, warehouse_copy) == [
        "warehouse relation marts.people_extract: not a model, seed, snapshot or source of the project"]


def test_the_purge_audit_trail_is_a_declared_relation(built_borough: Workspace, tmp_path: Path) -> None:
    """purge_expired writes audit.retention_purges outside dbt's models; it is a
    declared source (models/audit/), so the check of the warehouse accepts it."""
    workspace = Workspace(tmp_path / "run", master_key=built_borough.master_key)
    workspace.warehouse.parent.mkdir(parents=True)
    shutil.copy(built_borough.warehouse, workspace.warehouse)
    workspace.landing.symlink_to(built_borough.landing)
    workspace.dbt("run-operation", "purge_expired")
    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from duckdb_tables() where schema_name = 'audit' "
                           "and table_name = 'retention_purges'").fetchall() == [(1,)]
    assert _check(built_borough, workspace.warehouse) == []


def test_a_mart_column_renamed_from_a_token_without_its_category_fails(built_borough: Workspace, tmp_path: Path) -> None:
    """Built by dbt in a copy of the project on a copy of the warehouse: every
    on-run-start rule passes (the name says nothing, the YAML declares the
    mart's defaults), the catalogue check follows the column to its token."""
    workspace = Workspace(tmp_path / "run", project=copy_project(tmp_path / "project"), master_key=built_borough.master_key)
    workspace.warehouse.parent.mkdir(parents=True)
    shutil.copy(built_borough.warehouse, workspace.warehouse)
    workspace.landing.symlink_to(built_borough.landing)
    model = workspace.project / "models/marts/services/ward_service_references.sql"
    model.write_text(
        "with\n\nrecords as (\n    select * from {{ ref('int_person_records__geocoded') }}\n),\n\n"
        "referenced as (\n    select\n        ward_code,\n        nhs_number_token as reference\n    from records\n)\n\n"
        "select * from referenced\n"
    )
    model.with_suffix(".yml").write_text(yaml.safe_dump({"version": 2, "models": [{
        "name": "ward_service_references", "description": "A reference per ward.",
        "columns": [{"name": "ward_code", "data_type": "varchar", "description": "Ward."},
                    {"name": "reference", "data_type": "varchar", "description": "A reference."}],
    }]}))
    workspace.dbt("build", "--select", "ward_service_references")
    assert ("model ward_service_references, column reference: derives from int_person_records__geocoded.nhs_number_token, "
            "classified NHS Number, which it does not declare (classifications travel by column lineage)") in _check(workspace)


# The lineage rules on hand-made manifests: what carries a classification and what does not.


def _node(name: str, sql: str, columns: dict[str, dict], meta: dict | None = None, folder: str = "intermediate",
          parents: tuple[str, ...] = ("spine",), language: str = "sql") -> dict:
    return {
        "unique_id": f"model.p.{name}", "resource_type": "model", "name": name, "database": "db", "schema": folder,
        "alias": name, "fqn": ["p", folder, name], "language": language, "compiled_code": sql,
        "config": {"materialized": "table", "meta": {"identifiability": "pseudonymised", "data_category": "none", **(meta or {})}},
        "columns": {c: {"name": c, "config": {"meta": m}} for c, m in columns.items()},
        "depends_on": {"nodes": [f"model.p.{p}" for p in parents]},
    }


SPINE = _node("spine", "select * from \"db\".\"staging\".\"stg\"", {
    "nhs_number_token": {"data_category": "NHS Number"},
    "surname_token": {"data_category": "Name"},
    "ethnic_group": {"data_category": "Equalities Information", "special_category": "art9"},
    "ward_code": {"data_category": "Address & contact details"},
}, parents=("stg",))
STAGING = {**_node("stg", "select 1", {}, folder="staging", parents=()), "depends_on": {"nodes": ["source.p.nhs.extract"]}}
SOURCE = {"unique_id": "source.p.nhs.extract", "resource_type": "source", "source_name": "nhs", "name": "extract",
          "identifier": "extract", "database": "db", "schema": "main", "relation_name": "read_csv('x.csv')",
          "columns": {}, "config": {"meta": {"commission": "C-1", "external_location": "read_csv('x.csv')", "format": "csv"}}}
FROM_SPINE = 'from "db"."intermediate"."spine" as spine'


def _lineage(sql: str, columns: dict[str, dict], meta: dict | None = None, language: str = "sql") -> list[str]:
    model = _node("model", sql, columns, meta, folder="marts" if (meta or {}).get("identifiability") == "aggregate" else "intermediate",
                  language=language)
    manifest = {"nodes": {n["unique_id"]: n for n in (SPINE, STAGING, model)}, "sources": {SOURCE["unique_id"]: SOURCE}}
    catalogue = [("db", "intermediate", "spine", c, "table") for c in SPINE["columns"]]
    catalogue += [("db", model["schema"], "model", c, "table") for c in columns]
    violations, _ = governance.lineage_violations(manifest, catalogue)
    return [v for v in violations if v.startswith("model model")]


@pytest.mark.parametrize(("sql", "missing"), [
    (f"select spine.nhs_number_token as reference {FROM_SPINE}", "spine.nhs_number_token, classified NHS Number"),
    (f"with a as (select nhs_number_token as x {FROM_SPINE}), b as (select x as y from a) select y as reference from b",
     "spine.nhs_number_token, classified NHS Number"),
    (f"select {{'fam': spine.surname_token}} as reference {FROM_SPINE}", "spine.surname_token, classified Name"),
    (f"select 'x' as reference {FROM_SPINE} union all select surname_token {FROM_SPINE}",
     "spine.surname_token, classified Name"),
    (f"select min(spine.ethnic_group) as reference {FROM_SPINE}", "spine.ethnic_group, classified Equalities Information, art9"),
    (f"select upper(md5(spine.nhs_number_token)) as reference {FROM_SPINE}", "spine.nhs_number_token, classified NHS Number"),
])
def test_a_renamed_or_transformed_value_keeps_its_classification(sql: str, missing: str) -> None:
    assert _lineage(sql, {"reference": {}}) == [
        f"model model, column reference: derives from {missing}, which it does not declare "
        "(classifications travel by column lineage)"]


@pytest.mark.parametrize("sql", [
    f"select count(distinct spine.nhs_number_token) as reference {FROM_SPINE}",
    f"select case when spine.nhs_number_token is null then 'missing' end as reference {FROM_SPINE}",
    f"select count(*) filter (where spine.surname_token is not null) as reference {FROM_SPINE}",
    f"select row_number() over (partition by spine.nhs_number_token) as reference {FROM_SPINE}",
])
def test_a_count_or_a_test_of_a_value_does_not_carry_it(sql: str) -> None:
    assert _lineage(sql, {"reference": {}}) == []


def test_an_aggregate_column_is_excepted_for_what_it_aggregates_not_for_what_it_passes_through() -> None:
    aggregate = {"identifiability": "aggregate"}
    grouped = f"select spine.ward_code, min(spine.ethnic_group) as first_group {FROM_SPINE} group by spine.ward_code"
    assert _lineage(grouped, {"ward_code": {}, "first_group": {}}, aggregate) == []
    passed = f"select spine.ward_code {FROM_SPINE}"
    assert _lineage(passed, {"ward_code": {}}, aggregate) == [
        "model model, column ward_code: derives from spine.ward_code, classified Address & contact details, which it "
        "does not declare (classifications travel by column lineage)"]


def test_sql_reads_only_relations_of_the_project() -> None:
    assert _lineage("select 1 as reference from read_csv('landing/x.csv')", {"reference": {}}) == [
        "model model: reads READ_CSV('landing/x.csv') directly; files are read only through sources"]
    assert _lineage('select 1 as reference from "db"."main"."elsewhere"', {"reference": {}}) == [
        "model model: reads db.main.elsewhere, which is not a model, seed, snapshot or source of the project"]


def test_a_public_model_counts_nobody_in_the_service_records() -> None:
    public = {"identifiability": "aggregate", "audience": "public"}
    assert _lineage(f"select spine.ward_code, count(*) as n {FROM_SPINE} group by 1", {"ward_code": {}, "n": {}}, public) == [
        "model model, column n: counts rows of spine, which holds people's records; a public model holds no counts of people"]
    assert _lineage(f"select max(spine.ward_code) as ward_code {FROM_SPINE}", {"ward_code": {}}, public) == []


def test_a_python_model_declares_its_lineage() -> None:
    assert _lineage("def model(dbt, session): ...", {"reference": {}}, language="python") == [
        "model model, column reference: a Python model's column declares meta.derived_from (the upstream columns it "
        "carries, <model>.<column>), as its lineage cannot be read from code"]
    assert _lineage("def model(dbt, session): ...", {"reference": {"derived_from": ["spine.surname_token"]}},
                    language="python") == [
        "model model, column reference: derives from spine.surname_token, classified Name, which it does not declare "
        "(classifications travel by column lineage)"]


# Item 7's rule: who reads what (models/_exposures.yml meta.audience).

EXPOSURES = "models/_exposures.yml"


def _edit_exposure(project: Workspace, name: str, **changes) -> None:
    _edit_yaml_list(project.project / EXPOSURES, "exposures", name, changes)


def _edit_yaml_list(path: Path, key: str, name: str, changes: dict) -> None:
    document = yaml.safe_load(path.read_text())
    entry = next(e for e in document[key] if e["name"] == name)
    for field, value in changes.items():
        if field == "audience":
            entry.setdefault("meta", {})["audience"] = value
        else:
            entry[field] = value
    path.write_text(yaml.safe_dump(document, sort_keys=False))


def test_a_service_dashboard_may_not_read_an_unsuppressed_mart(project: Workspace) -> None:
    _edit_exposure(project, "service_demand_dashboard", depends_on=["ref('ward_service_demand')", "ref('dim_ward')"])
    _build_fails_with(project, "exposure service_demand_dashboard (audience services): reads ward_service_demand "
                               "(audience hub_analysts); a dashboard for services or partners reads only sharing models "
                               "and dimensions without counts of people")


def test_a_partner_export_may_not_read_an_unlabelled_model(project: Workspace) -> None:
    _edit_exposure(project, "partner_exports", depends_on=["ref('int_service_demand__counted')"])
    _build_fails_with(project, "exposure partner_exports (audience partners): reads int_service_demand__counted (audience None)")


@pytest.mark.parametrize("audience", [None, "everyone"])
def test_an_exposure_needs_a_known_audience(project: Workspace, audience: str | None) -> None:
    _edit_exposure(project, "equalities_dashboard", audience=audience)
    _build_fails_with(project, f"exposure equalities_dashboard: meta.audience '{audience}' is not one of "
                               "hub_analysts, services, partners")


def test_only_sharing_models_are_for_approved_recipients(project: Workspace) -> None:
    _edit_yaml(project.project / WARD_DEMAND_YAML,
               lambda d: d["models"][0].setdefault("config", {}).setdefault("meta", {}).update(audience="approved_recipients"))
    _build_fails_with(project, "model ward_service_demand: only sharing models (models/sharing/) are for approved recipients")


def test_hub_analysts_may_read_any_mart(project: Workspace) -> None:
    _edit_exposure(project, "data_quality_dashboard", depends_on=["ref('ward_service_demand')", "ref('delivery_data_quality')"])
    completed = project.dbt("build", "--select", "commissions", "--resource-type", "seed")
    assert "Governance check passed" in completed.stdout
