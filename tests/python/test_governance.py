"""The build enforces governance. Each rule has one home in insight_hub.governance
and a test here that breaks it and names the violation.

Rules judged before anything is built (insight_hub.governance.rules, run by the
on-run-start hook enforce_governance through the governance plugin): metadata
present; categories and recipients in the published notice; the registers
agree with it; categories agreed by the commission; special categories
flagged; identifiable data only with an approved, in-date risk assessment; no
direct identifier outside staging; classification travels to same-named
columns; no stored test failures over identifiable data; only staging models
read sources (no other model, snapshot or exposure); staging models are views
or ephemeral, the rejected-rows record aside; audiences. Each is proved on the
project's own manifest (one `dbt parse` per session), edited in memory; two
builds prove the hook runs them, stops `dbt build` before anything is built
listing every violation, and judges only this run's manifest.

Rules judged on the built warehouse (insight_hub.governance.catalogue, run by
`make build` after dbt build): every relation is a node of the project and
every column it really has is declared and classified; classifications travel
by column lineage from the compiled SQL, whatever the columns are renamed to;
SQL reads no file and no relation outside the project; a public model counts
nobody in the service records.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from dbt_project import PROJECT_ROOT, Workspace, copy_project

from insight_hub.governance import catalogue, registers, retention, rules
from insight_hub.governance import manifest as m

SPINE_YAML = "models/intermediate/person_records/int_person_records__geocoded.yml"
WARD_DEMAND_YAML = "models/marts/services/ward_service_demand.yml"
EXPOSURES = "models/_exposures.yml"
AS_OF = dt.date(2026, 11, 1)
COMMISSION = "IH-2026-001"
NHS_EXTRACT = "source.insight_hub.nhs_partner.nhs_partner_extract"


# The hook, end to end: dbt build on the project and on a broken copy.


def _edit_yaml(path: Path, change) -> None:
    document = yaml.safe_load(path.read_text())
    change(document)
    path.write_text(yaml.safe_dump(document, sort_keys=False))


def test_the_hook_passes_the_project_and_judges_only_this_runs_manifest(tmp_path: Path) -> None:
    """dbt writes target/manifest.json while parsing, before on-run-start: the rules read this
    invocation's. A run that does not write it (--no-write-json) is refused, not judged by an older one."""
    workspace = Workspace(tmp_path / "run")
    completed = workspace.dbt("build", "--select", "commissions", "--resource-type", "seed")
    assert "Governance check passed" in completed.stdout
    stale = workspace.dbt("build", "--select", "commissions", "--resource-type", "seed", "--no-write-json", check=False)
    output = stale.stdout + stale.stderr
    assert stale.returncode != 0, output[-3000:]
    assert "Governance check failed (1)" in output and "manifest.json was written by dbt invocation" in output
    assert "OK loaded seed" not in output


def test_docs_generate_after_a_build_is_let_through(built_borough: Workspace, tmp_path: Path) -> None:
    """make docs runs dbt docs generate after the build. It builds nothing and writes its manifest only after
    compiling the hook, so the hook, which judges only this invocation's manifest, lets it through and says so;
    on a copy of the warehouse, since compiling the hooks runs them."""
    warehouse = tmp_path / "insight_hub.duckdb"
    shutil.copy(built_borough.warehouse, warehouse)
    docs = built_borough.dbt(
        "docs", "generate", DBT_TARGET_PATH=str(tmp_path / "target"), INSIGHT_HUB_WAREHOUSE=str(warehouse)
    )
    assert "Governance check not run: dbt docs generate builds nothing" in docs.stdout
    catalog = json.loads((tmp_path / "target" / "catalog.json").read_text())
    assert "model.insight_hub.ward_service_demand" in catalog["nodes"]
    assert (tmp_path / "target" / "index.html").is_file()


def test_the_hook_stops_the_build_listing_every_violation(tmp_path: Path) -> None:
    project = Workspace(tmp_path / "run", project=copy_project(tmp_path / "project"))
    _edit_yaml(
        project.project / WARD_DEMAND_YAML,
        lambda d: d["models"][0].setdefault("config", {}).setdefault("meta", {}).update(retention_class=None),
    )
    approvals = project.project / "seeds/governance/sharing_approvals.csv"
    approvals.write_text(
        approvals.read_text().rstrip("\n")
        + f"\nSA-TEST-1,Data brokers,{COMMISSION},ward_service_demand,DPO,2026-11-01,2027-11-01\n"
    )
    _edit_yaml(
        project.project / EXPOSURES,
        lambda d: next(e for e in d["exposures"] if e["name"] == "equalities_dashboard")["meta"].update(
            audience="everyone"
        ),
    )
    completed = project.dbt("build", "--select", "commissions", "--resource-type", "seed", check=False)
    output = completed.stdout + completed.stderr
    assert completed.returncode != 0, output[-3000:]
    for message in [
        "Governance check failed (3):",
        "  - sharing approval SA-TEST-1: recipient 'Data brokers' is not in the published privacy notice",
        "  - model ward_service_demand: meta.retention_class is missing",
        "  - exposure equalities_dashboard: meta.audience 'everyone' is not one of hub_analysts, services, partners",
    ]:
        assert message in output, f"{message!r} not in:\n{output[-4000:]}"
    assert "OK loaded seed" not in output, "the run went on to build after the check failed"


# Each rule on the project's manifest, edited in memory.


@pytest.fixture
def manifest(parsed_manifest: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(parsed_manifest)


@pytest.fixture
def registers_() -> registers.Registers:
    return registers.load(PROJECT_ROOT / registers.GOVERNANCE_DIR)


def _violations(
    manifest: dict[str, Any],
    registers_: registers.Registers | None = None,
    *,
    delivered: rules.Delivered = lambda source: False,
    store_failures: bool = False,
) -> list[str]:
    settings = rules.Settings.from_project(AS_OF, store_failures, PROJECT_ROOT)
    return rules.violations(
        manifest, registers_ or registers.load(PROJECT_ROOT / registers.GOVERNANCE_DIR), settings, delivered
    )


def _node(manifest: dict[str, Any], name: str, resource_type: str = "model") -> dict[str, Any]:
    return next(
        n
        for n in [*manifest["nodes"].values(), *manifest["exposures"].values()]
        if n["name"] == name and n["resource_type"] == resource_type
    )


def _meta(resource: dict[str, Any]) -> dict[str, Any]:
    """A resource's or a column's metadata, to edit (both copies dbt writes)."""
    resource.setdefault("config", {}).setdefault("meta", {})
    resource["meta"] = resource["config"]["meta"]
    return resource["meta"]


def _column_meta(manifest: dict[str, Any], model: str, column: str) -> dict[str, Any]:
    return _meta(_node(manifest, model)["columns"][column])


def _add_node(
    manifest: dict[str, Any],
    like: str,
    name: str,
    columns: dict[str, dict[str, Any]],
    parents: list[str],
    resource_type: str = "model",
) -> dict[str, Any]:
    """A new node shaped like an existing model (its folder, its defaults), with its own columns and parents."""
    node = copy.deepcopy(_node(manifest, like))
    node.update(
        unique_id=f"{resource_type}.insight_hub.{name}",
        name=name,
        alias=name,
        resource_type=resource_type,
        fqn=[*node["fqn"][:-1], name],
        depends_on={"macros": [], "nodes": parents},
        columns={c: {"name": c, "config": {"meta": meta}, "meta": meta} for c, meta in columns.items()},
    )
    manifest["nodes"][node["unique_id"]] = node
    return node


def _uid(manifest: dict[str, Any], name: str) -> str:
    return _node(manifest, name)["unique_id"]


def test_the_project_breaks_no_rule(manifest: dict[str, Any]) -> None:
    """Every landing source delivered, judged on the small borough's date: nothing to report."""
    assert _violations(manifest, delivered=lambda source: True) == []


def test_missing_model_metadata_fails(manifest: dict[str, Any]) -> None:
    _meta(_node(manifest, "ward_service_demand"))["retention_class"] = None
    assert "model ward_service_demand: meta.retention_class is missing" in _violations(manifest)


def test_missing_column_metadata_fails(manifest: dict[str, Any]) -> None:
    _column_meta(manifest, "int_person_records__geocoded", "surname_token").pop("data_category")
    assert (
        "model int_person_records__geocoded, column surname_token: data_category and identifiability are required "
        "(on the column or as the model's default)"
    ) in _violations(manifest)


def test_category_not_in_privacy_notice_fails(manifest: dict[str, Any]) -> None:
    _column_meta(manifest, "int_person_records__geocoded", "sex")["data_category"] = "Biometric data"
    assert (
        "model int_person_records__geocoded, column sex: data category 'Biometric data' is not in the published "
        "privacy notice"
    ) in _violations(manifest)


def test_category_not_agreed_for_commission_fails(manifest: dict[str, Any], registers_: registers.Registers) -> None:
    commission = registers_.commissions[COMMISSION]
    commission["agreed_data_categories"] = commission["agreed_data_categories"].replace(
        "|Criminal/Prosecution Information", ""
    )
    assert (
        "source community_safety.asb_cases, column Case Number: data category 'Criminal/Prosecution Information' "
        f"was not agreed for commission {COMMISSION}"
    ) in _violations(manifest, registers_)


def test_a_category_a_model_brings_in_must_be_agreed(manifest: dict[str, Any], registers_: registers.Registers) -> None:
    """A category no parent carries is new processing: it must be agreed for every commission whose data
    reaches the model (a category a parent carries was judged there, per commission; test_retention builds a
    union spine over a commission that agreed fewer categories)."""
    commission = registers_.commissions[COMMISSION]
    commission["agreed_data_categories"] = commission["agreed_data_categories"].replace(
        "|Images in photographs or film/CCTV", ""
    )
    _add_node(
        manifest,
        "int_households__located",
        "int_households__pictured",
        {
            "household_key": {
                "data_category": [
                    "Address & contact details",
                    "Name",
                    "Property information",
                    "Images in photographs or film/CCTV",
                ],
                "identifiability": "pseudonymised",
            }
        },
        [_uid(manifest, "int_households__located")],
    )
    assert (
        "model int_households__pictured, column household_key: data category 'Images in photographs or film/CCTV' "
        f"was not agreed for commission {COMMISSION}"
    ) in _violations(manifest, registers_)


def test_recipient_not_in_privacy_notice_fails(manifest: dict[str, Any], registers_: registers.Registers) -> None:
    registers_.sharing_approvals.append(
        {
            "approval_id": "SA-TEST-1",
            "recipient_type": "Data brokers",
            "commission_id": COMMISSION,
            "output_model": "ward_service_demand",
            "approved_by": "DPO",
            "approved_date": "2026-11-01",
            "expires_date": "2027-11-01",
        }
    )
    assert "sharing approval SA-TEST-1: recipient 'Data brokers' is not in the published privacy notice" in _violations(
        manifest, registers_
    )


@pytest.mark.parametrize(
    ("status", "review_date", "message"),
    [
        (
            "draft",
            "2099-01-01",
            "source housing.housing_register: holds identifiable data of commission IH-2026-001 "
            "without an approved risk assessment",
        ),
        (
            "approved",
            "2020-01-01",
            "source housing.housing_register: the risk assessment RA-2026-014 for commission "
            "IH-2026-001 passed its review date 2020-01-01",
        ),
    ],
)
def test_identifiable_data_needs_approved_in_date_risk_assessment(
    manifest: dict[str, Any], registers_: registers.Registers, status: str, review_date: str, message: str
) -> None:
    registers_.risk_assessments["RA-2026-014"].update(status=status, review_date=review_date)
    assert message not in _violations(manifest, registers_), "a source holds data only while its files have landed"
    assert message in _violations(manifest, registers_, delivered=lambda source: source["source_name"] == "housing")


def test_direct_identifier_outside_staging_fails(manifest: dict[str, Any]) -> None:
    _add_node(
        manifest,
        "int_person_records__geocoded",
        "int_person_records__leaky",
        {"postcode": {"data_category": "Address & contact details", "identifiability": "identifiable"}},
        [_uid(manifest, "int_person_records__geocoded")],
    )
    assert (
        "model int_person_records__leaky, column postcode: a direct identifier outside staging (only tokens may "
        "leave staging)"
    ) in _violations(manifest)


def test_a_column_named_like_an_identifier_outside_staging_fails(manifest: dict[str, Any]) -> None:
    _add_node(
        manifest,
        "int_person_records__geocoded",
        "int_person_records__named",
        {"surname": {"data_category": "none", "identifiability": "pseudonymised"}},
        [_uid(manifest, "int_person_records__geocoded")],
    )
    assert (
        "model int_person_records__named, column surname: a direct identifier outside staging (only tokens may "
        "leave staging)"
    ) in _violations(manifest)


def test_classification_must_travel_down_lineage(manifest: dict[str, Any]) -> None:
    _column_meta(manifest, "int_person_records__geocoded", "nhs_number_token")["data_category"] = "none"
    assert (
        "model int_person_records__geocoded, column nhs_number_token: its parent stg_adult_social_care__asc_services "
        "classifies it 'NHS Number', which it does not declare"
    ) in _violations(manifest)


def test_stored_failures_over_staging_fail(manifest: dict[str, Any]) -> None:
    staging = _uid(manifest, "stg_housing__housing_register")
    test = next(n for n in manifest["nodes"].values() if n["resource_type"] == "test" and m.parents(n) == [staging])
    expected = (
        f"test {test['name']}: store_failures would keep failing rows of {staging}, which holds identifiable data"
    )
    assert expected not in _violations(manifest)
    assert expected in _violations(manifest, store_failures=True), "dbt build --store-failures"
    test["config"]["store_failures"] = True
    assert expected in _violations(manifest)


def test_a_model_outside_staging_may_not_read_a_source(manifest: dict[str, Any]) -> None:
    _add_node(
        manifest,
        "int_person_records__geocoded",
        "int_person_records__annotated",
        {name: {"data_category": "none"} for name in ["given", "fam", "nhs", "bd", "person"]},
        [NHS_EXTRACT],
    )
    assert (
        "model int_person_records__annotated: reads source nhs_partner.nhs_partner_extract directly; "
        "only staging models (models/staging/) may read a source"
    ) in _violations(manifest)


def test_a_snapshot_may_not_read_a_source(manifest: dict[str, Any]) -> None:
    _add_node(
        manifest, "int_person_records__geocoded", "nhs_partner_history", {}, [NHS_EXTRACT], resource_type="snapshot"
    )
    assert (
        "snapshot nhs_partner_history: reads source nhs_partner.nhs_partner_extract directly; "
        "only staging models (models/staging/) may read a source"
    ) in _violations(manifest)


def test_an_exposure_may_not_read_a_source(manifest: dict[str, Any]) -> None:
    m.parents(_node(manifest, "partner_exports", "exposure")).append(NHS_EXTRACT)
    assert (
        "exposure partner_exports: reads source nhs_partner.nhs_partner_extract directly; "
        "only staging models (models/staging/) may read a source"
    ) in _violations(manifest)


def test_a_staging_model_may_not_be_a_table(manifest: dict[str, Any]) -> None:
    _node(manifest, "stg_housing__housing_register")["config"]["materialized"] = "table"
    assert (
        "model stg_housing__housing_register: a staging model is materialized as 'table'; staging models are views "
        "or ephemeral, so the cleartext they read is never stored"
    ) in _violations(manifest)
    _node(manifest, "stg_landing__rejected_rows")["config"]["materialized"] = "table"
    assert not [v for v in _violations(manifest) if v.startswith("model stg_landing__rejected_rows")], (
        "vars.staging_table_models names the one staging table"
    )


def _expired_commission(manifest: dict[str, Any], registers_: registers.Registers, close_date: str) -> str:
    """A second commission in the registers, closed on close_date, and a landing source of its data."""
    commission = {**registers_.commissions[COMMISSION], "commission_id": "IH-2022-007", "close_date": close_date}
    registers_.commissions["IH-2022-007"] = commission
    source = copy.deepcopy(manifest["sources"]["source.insight_hub.housing.homelessness_hclic"])
    source.update(
        unique_id="source.insight_hub.housing_review_2022.homelessness_hclic", source_name="housing_review_2022"
    )
    _meta(source)["commission"] = "IH-2022-007"
    manifest["sources"][source["unique_id"]] = source
    return (
        "source housing_review_2022.homelessness_hclic: the retention of commission IH-2022-007 has ended; "
        "remove its data with: dbt run-operation purge_expired --args '{apply: true}'"
    )


def test_an_expired_commissions_landing_data_fails(manifest: dict[str, Any], registers_: registers.Registers) -> None:
    """Retention is executable: on AS_OF, the data of a commission that closed vars.hub_retention_years and a
    day before has gone, of one that closed exactly that long before not yet; purged (no files), it passes."""
    closed_on_limit = retention.add_years(AS_OF, -retention.hub_retention_years(PROJECT_ROOT))
    message = _expired_commission(manifest, registers_, (closed_on_limit - dt.timedelta(days=1)).isoformat())
    assert message in _violations(manifest, registers_, delivered=lambda source: True)
    assert message not in _violations(
        manifest, registers_, delivered=lambda source: source["source_name"] != "housing_review_2022"
    )
    registers_.commissions["IH-2022-007"]["close_date"] = closed_on_limit.isoformat()
    assert message not in _violations(manifest, registers_, delivered=lambda source: True)


def test_a_commission_wide_exception_under_review_holds_its_data(
    manifest: dict[str, Any], registers_: registers.Registers
) -> None:
    message = _expired_commission(manifest, registers_, "2022-03-31")
    exception = {
        "exception_id": "RE-1",
        "commission_id": "IH-2022-007",
        "retention_class": "",
        "reason": "litigation hold",
        "extended_until": "2027-03-31",
        "approved_by": "DPO",
        "review_date": "2026-11-01",
    }
    registers_.retention_exceptions.append(exception)
    assert message not in _violations(manifest, registers_, delivered=lambda source: True)
    exception["review_date"] = "2026-10-31"  # its review is overdue: it no longer holds anything
    assert message in _violations(manifest, registers_, delivered=lambda source: True)
    exception.update(
        review_date="2027-01-01", retention_class="homelessness_case"
    )  # one class only: the commission goes
    assert message in _violations(manifest, registers_, delivered=lambda source: True)


EDITS = {
    "agreed category not in the notice": (
        lambda manifest, regs: regs.commissions[COMMISSION].update(agreed_data_categories="Name|Star sign"),
        f"commission {COMMISSION}: agreed category 'Star sign' is not in the published privacy notice",
    ),
    "no lawful basis": (
        lambda manifest, regs: regs.commissions[COMMISSION].update(lawful_basis=""),
        f"commission {COMMISSION}: no lawful basis recorded",
    ),
    "approval for an unknown commission": (
        lambda manifest, regs: regs.sharing_approvals[0].update(commission_id="IH-1999-001"),
        "sharing approval SA-2026-001: commission IH-1999-001 is not in the commissions register",
    ),
    "unknown retention class": (
        lambda manifest, regs: _meta(_node(manifest, "ward_service_demand")).update(retention_class="forever"),
        "model ward_service_demand: retention class 'forever' is not in the retention schedule",
    ),
    "unknown model identifiability": (
        lambda manifest, regs: _meta(_node(manifest, "ward_service_demand")).update(identifiability="anonymous"),
        "model ward_service_demand: identifiability 'anonymous' is not one of identifiable, pseudonymised, aggregate, none",
    ),
    "unknown column identifiability": (
        lambda manifest, regs: _column_meta(manifest, "int_person_records__geocoded", "sex").update(
            identifiability="hidden"
        ),
        "model int_person_records__geocoded, column sex: identifiability 'hidden' is not one of identifiable, "
        "pseudonymised, aggregate, none",
    ),
    "commission not in the register": (
        lambda manifest, regs: _meta(_node(manifest, "ward_service_demand")).update(commission=["IH-1999-001"]),
        "model ward_service_demand: commission IH-1999-001 is not in the commissions register",
    ),
    "permitted recipient not in the notice": (
        lambda manifest, regs: _meta(_node(manifest, "ward_service_demand")).update(
            permitted_recipients=["Data brokers"]
        ),
        "model ward_service_demand: permitted recipient 'Data brokers' is not in the published privacy notice",
    ),
    "special category not flagged": (
        lambda manifest, regs: _column_meta(manifest, "int_person_records__geocoded", "gp_practice_token").pop(
            "special_category"
        ),
        "model int_person_records__geocoded, column gp_practice_token: 'Health/Medical Information' is special category data; "
        "declare meta.special_category art9",
    ),
    "unknown special category": (
        lambda manifest, regs: _column_meta(manifest, "int_person_records__geocoded", "sex").update(
            special_category="art99"
        ),
        "model int_person_records__geocoded, column sex: special_category 'art99' is not none, art9 or art10",
    ),
    "special category dropped from a parent": (
        lambda manifest, regs: _column_meta(manifest, "int_person_records__keyed", "ethnic_group").update(
            special_category="none"
        ),
        "model int_person_records__keyed, column ethnic_group: its parent int_person_records__geocoded marks it special "
        "category art9, which it does not declare",
    ),
    "unknown model audience": (
        lambda manifest, regs: _meta(_node(manifest, "ward_service_demand")).update(audience="everyone"),
        "model ward_service_demand: meta.audience 'everyone' is not one of hub_analysts, approved_recipients, public",
    ),
}


@pytest.mark.parametrize("edit", EDITS)
def test_each_further_rule_names_its_violation(
    manifest: dict[str, Any], registers_: registers.Registers, edit: str
) -> None:
    change, message = EDITS[edit]
    change(manifest, registers_)
    assert message in _violations(manifest, registers_)


def test_a_run_may_not_override_the_governance_vars() -> None:
    declared = m.project_vars(PROJECT_ROOT)
    assert rules.run_vars_violations({name: declared[name] for name in rules.GOVERNANCE_VARS}, PROJECT_ROOT) == []
    assert rules.run_vars_violations({"hub_retention_years": 30}, PROJECT_ROOT) == [
        "vars.hub_retention_years: this run has 30 where dbt_project.yml has 3; "
        "governance settings change in dbt_project.yml, not with --vars"
    ]


# Item 7's rule: who reads what (models/_exposures.yml meta.audience).


def _exposure(manifest: dict[str, Any], name: str) -> dict[str, Any]:
    return _node(manifest, name, "exposure")


def test_a_service_dashboard_may_not_read_an_unsuppressed_mart(manifest: dict[str, Any]) -> None:
    m.parents(_exposure(manifest, "service_demand_dashboard"))[:] = [
        _uid(manifest, "ward_service_demand"),
        _uid(manifest, "dim_ward"),
    ]
    assert (
        "exposure service_demand_dashboard (audience services): reads ward_service_demand (audience hub_analysts); "
        "a dashboard for services or partners reads only sharing models and dimensions without counts of people"
    ) in _violations(manifest)


def test_a_partner_export_may_not_read_an_unlabelled_model(manifest: dict[str, Any]) -> None:
    m.parents(_exposure(manifest, "partner_exports"))[:] = [_uid(manifest, "int_service_demand__counted")]
    assert (
        "exposure partner_exports (audience partners): reads int_service_demand__counted (audience None); "
        "a dashboard for services or partners reads only sharing models and dimensions without counts of people"
    ) in _violations(manifest)


@pytest.mark.parametrize("audience", [None, "everyone"])
def test_an_exposure_needs_a_known_audience(manifest: dict[str, Any], audience: str | None) -> None:
    _meta(_exposure(manifest, "equalities_dashboard"))["audience"] = audience
    assert (
        f"exposure equalities_dashboard: meta.audience '{audience}' is not one of hub_analysts, services, partners"
        in _violations(manifest)
    )


def test_only_sharing_models_are_for_approved_recipients(manifest: dict[str, Any]) -> None:
    _meta(_node(manifest, "ward_service_demand"))["audience"] = "approved_recipients"
    assert (
        "model ward_service_demand: only sharing models (models/sharing/) are for approved recipients"
        in _violations(manifest)
    )


def test_hub_analysts_may_read_any_mart(manifest: dict[str, Any]) -> None:
    m.parents(_exposure(manifest, "data_quality_dashboard"))[:] = [
        _uid(manifest, "ward_service_demand"),
        _uid(manifest, "delivery_data_quality"),
    ]
    assert _violations(manifest) == []


# The built warehouse against the project: insight_hub.governance.catalogue


def _check(workspace: Workspace, warehouse: Path | None = None) -> list[str]:
    violations, _ = catalogue.check(m.load(workspace.target / "manifest.json"), warehouse or workspace.warehouse)
    return violations


def test_the_built_borough_passes_the_catalogue_check(built_borough: Workspace) -> None:
    manifest = m.load(built_borough.target / "manifest.json")
    violations, seconds = catalogue.check(manifest, built_borough.warehouse)
    assert violations == []
    print(
        f"column lineage of {sum(n['resource_type'] == 'model' for n in manifest['nodes'].values())} models: {seconds:.1f} s"
    )


@pytest.fixture
def warehouse_copy(built_borough: Workspace, tmp_path: Path) -> Path:
    copy = tmp_path / "insight_hub.duckdb"
    shutil.copy(built_borough.warehouse, copy)
    return copy


def test_a_column_only_in_the_warehouse_fails(built_borough: Workspace, warehouse_copy: Path) -> None:
    with duckdb.connect(str(warehouse_copy)) as con:
        con.execute("alter table marts.ward_service_demand add column note varchar").fetchall()
    assert _check(built_borough, warehouse_copy) == [
        "model ward_service_demand, column note: in the warehouse but not declared in its YAML twin"
    ]


def test_a_relation_that_is_not_a_node_of_the_project_fails(built_borough: Workspace, warehouse_copy: Path) -> None:
    with duckdb.connect(str(warehouse_copy)) as con:
        con.execute(
            "create table marts.people_extract as select * from intermediate.int_person_records__keyed"
        ).fetchall()
    assert _check(built_borough, warehouse_copy) == [
        "warehouse relation marts.people_extract: not a model, seed, snapshot or source of the project"
    ]


def test_the_purge_audit_trail_is_a_declared_relation(built_borough: Workspace, tmp_path: Path) -> None:
    """purge_expired writes audit.retention_purges outside dbt's models; it is a
    declared source (models/audit/), so the check of the warehouse accepts it."""
    workspace = Workspace(tmp_path / "run", master_key=built_borough.master_key)
    workspace.warehouse.parent.mkdir(parents=True)
    shutil.copy(built_borough.warehouse, workspace.warehouse)
    workspace.landing.symlink_to(built_borough.landing)
    workspace.dbt("run-operation", "purge_expired")
    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        assert con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'audit' and table_name = 'retention_purges'"
        ).fetchall() == [(1,)]
    assert _check(built_borough, workspace.warehouse) == []


def test_a_mart_column_renamed_from_a_token_without_its_category_fails(
    built_borough: Workspace, tmp_path: Path
) -> None:
    """Built by dbt in a copy of the project on a copy of the warehouse: every
    on-run-start rule passes (the name says nothing, the YAML declares the
    mart's defaults), the catalogue check follows the column to its token."""
    workspace = Workspace(
        tmp_path / "run", project=copy_project(tmp_path / "project"), master_key=built_borough.master_key
    )
    workspace.warehouse.parent.mkdir(parents=True)
    shutil.copy(built_borough.warehouse, workspace.warehouse)
    workspace.landing.symlink_to(built_borough.landing)
    model = workspace.project / "models/marts/services/ward_service_references.sql"
    model.write_text(
        "with\n\nrecords as (\n    select * from {{ ref('int_person_records__geocoded') }}\n),\n\n"
        "referenced as (\n    select\n        ward_code,\n        nhs_number_token as reference\n    from records\n)\n\n"
        "select * from referenced\n"
    )
    model.with_suffix(".yml").write_text(
        yaml.safe_dump(
            {
                "version": 2,
                "models": [
                    {
                        "name": "ward_service_references",
                        "description": "A reference per ward.",
                        "columns": [
                            {"name": "ward_code", "data_type": "varchar", "description": "Ward."},
                            {"name": "reference", "data_type": "varchar", "description": "A reference."},
                        ],
                    }
                ],
            }
        )
    )
    workspace.dbt("build", "--select", "ward_service_references")
    assert (
        "model ward_service_references, column reference: derives from int_person_records__geocoded.nhs_number_token, "
        "classified NHS Number, which it does not declare (classifications travel by column lineage)"
    ) in _check(workspace)


# The lineage rules on hand-made manifests: what carries a classification and what does not.


def _handmade(
    name: str,
    sql: str,
    columns: dict[str, dict],
    meta: dict | None = None,
    folder: str = "intermediate",
    parents: tuple[str, ...] = ("spine",),
    language: str = "sql",
) -> dict:
    return {
        "unique_id": f"model.p.{name}",
        "resource_type": "model",
        "name": name,
        "database": "db",
        "schema": folder,
        "alias": name,
        "fqn": ["p", folder, name],
        "language": language,
        "compiled_code": sql,
        "config": {
            "materialized": "table",
            "meta": {"identifiability": "pseudonymised", "data_category": "none", **(meta or {})},
        },
        "columns": {c: {"name": c, "config": {"meta": m}} for c, m in columns.items()},
        "depends_on": {"nodes": [f"model.p.{p}" for p in parents]},
    }


SPINE = _handmade(
    "spine",
    'select * from "db"."staging"."stg"',
    {
        "nhs_number_token": {"data_category": "NHS Number"},
        "surname_token": {"data_category": "Name"},
        "ethnic_group": {"data_category": "Equalities Information", "special_category": "art9"},
        "ward_code": {"data_category": "Address & contact details"},
    },
    parents=("stg",),
)
STAGING = {
    **_handmade("stg", "select 1", {}, folder="staging", parents=()),
    "depends_on": {"nodes": ["source.p.nhs.extract"]},
}
SOURCE = {
    "unique_id": "source.p.nhs.extract",
    "resource_type": "source",
    "source_name": "nhs",
    "name": "extract",
    "identifier": "extract",
    "database": "db",
    "schema": "main",
    "relation_name": "read_csv('x.csv')",
    "columns": {},
    "config": {"meta": {"commission": "C-1", "external_location": "read_csv('x.csv')", "format": "csv"}},
}
FROM_SPINE = 'from "db"."intermediate"."spine" as spine'


def _lineage(sql: str, columns: dict[str, dict], meta: dict | None = None, language: str = "sql") -> list[str]:
    model = _handmade(
        "model",
        sql,
        columns,
        meta,
        folder="marts" if (meta or {}).get("identifiability") == "aggregate" else "intermediate",
        language=language,
    )
    manifest = {"nodes": {n["unique_id"]: n for n in (SPINE, STAGING, model)}, "sources": {SOURCE["unique_id"]: SOURCE}}
    relations = [("db", "intermediate", "spine", c, "table") for c in SPINE["columns"]]
    relations += [("db", model["schema"], "model", c, "table") for c in columns]
    violations, _ = catalogue.lineage_violations(manifest, relations)
    return [v for v in violations if v.startswith("model model")]


@pytest.mark.parametrize(
    ("sql", "missing"),
    [
        (f"select spine.nhs_number_token as reference {FROM_SPINE}", "spine.nhs_number_token, classified NHS Number"),
        (
            f"with a as (select nhs_number_token as x {FROM_SPINE}), b as (select x as y from a) select y as reference from b",
            "spine.nhs_number_token, classified NHS Number",
        ),
        (f"select {{'fam': spine.surname_token}} as reference {FROM_SPINE}", "spine.surname_token, classified Name"),
        (
            f"select 'x' as reference {FROM_SPINE} union all select surname_token {FROM_SPINE}",
            "spine.surname_token, classified Name",
        ),
        (
            f"select min(spine.ethnic_group) as reference {FROM_SPINE}",
            "spine.ethnic_group, classified Equalities Information, art9",
        ),
        (
            f"select upper(md5(spine.nhs_number_token)) as reference {FROM_SPINE}",
            "spine.nhs_number_token, classified NHS Number",
        ),
    ],
)
def test_a_renamed_or_transformed_value_keeps_its_classification(sql: str, missing: str) -> None:
    assert _lineage(sql, {"reference": {}}) == [
        f"model model, column reference: derives from {missing}, which it does not declare "
        "(classifications travel by column lineage)"
    ]


@pytest.mark.parametrize(
    "sql",
    [
        f"select count(distinct spine.nhs_number_token) as reference {FROM_SPINE}",
        f"select case when spine.nhs_number_token is null then 'missing' end as reference {FROM_SPINE}",
        f"select count(*) filter (where spine.surname_token is not null) as reference {FROM_SPINE}",
        f"select row_number() over (partition by spine.nhs_number_token) as reference {FROM_SPINE}",
    ],
)
def test_a_count_or_a_test_of_a_value_does_not_carry_it(sql: str) -> None:
    assert _lineage(sql, {"reference": {}}) == []


def test_an_aggregate_column_is_excepted_for_what_it_aggregates_not_for_what_it_passes_through() -> None:
    aggregate = {"identifiability": "aggregate"}
    grouped = f"select spine.ward_code, min(spine.ethnic_group) as first_group {FROM_SPINE} group by spine.ward_code"
    assert _lineage(grouped, {"ward_code": {}, "first_group": {}}, aggregate) == []
    passed = f"select spine.ward_code {FROM_SPINE}"
    assert _lineage(passed, {"ward_code": {}}, aggregate) == [
        "model model, column ward_code: derives from spine.ward_code, classified Address & contact details, which it "
        "does not declare (classifications travel by column lineage)"
    ]


def test_sql_reads_only_relations_of_the_project() -> None:
    assert _lineage("select 1 as reference from read_csv('landing/x.csv')", {"reference": {}}) == [
        "model model: reads READ_CSV('landing/x.csv') directly; files are read only through sources"
    ]
    assert _lineage('select 1 as reference from "db"."main"."elsewhere"', {"reference": {}}) == [
        "model model: reads db.main.elsewhere, which is not a model, seed, snapshot or source of the project"
    ]


def test_a_public_model_counts_nobody_in_the_service_records() -> None:
    public = {"identifiability": "aggregate", "audience": "public"}
    assert _lineage(
        f"select spine.ward_code, count(*) as n {FROM_SPINE} group by 1", {"ward_code": {}, "n": {}}, public
    ) == [
        "model model, column n: counts rows of spine, which holds people's records; a public model holds no counts of people"
    ]
    assert _lineage(f"select max(spine.ward_code) as ward_code {FROM_SPINE}", {"ward_code": {}}, public) == []


def test_a_python_model_declares_its_lineage() -> None:
    assert _lineage("def model(dbt, session): ...", {"reference": {}}, language="python") == [
        "model model, column reference: a Python model's column declares meta.derived_from (the upstream columns it "
        "carries, <model>.<column>), as its lineage cannot be read from code"
    ]
    assert _lineage(
        "def model(dbt, session): ...", {"reference": {"derived_from": ["spine.surname_token"]}}, language="python"
    ) == [
        "model model, column reference: derives from spine.surname_token, classified Name, which it does not declare "
        "(classifications travel by column lineage)"
    ]
