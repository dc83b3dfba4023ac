"""The build enforces governance: one failing fixture per rule, each proving
that `dbt build` stops, naming the model or column, before anything is built.

Rules guarded (macros/governance.sql, run on-run-start): metadata present;
categories and recipients in the published notice; categories agreed by the
commission; identifiable data only with an approved, in-date risk assessment;
no direct identifier outside staging; classification travels down lineage;
no stored test failures over identifiable data.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from insight_hub.tests.dbt_project import Workspace, copy_project

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
