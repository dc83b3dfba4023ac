"""The rules every run is judged by before anything is built (on-run-start).

``violations`` reads the manifest dbt wrote while parsing, the registers and
the landing folder, and returns one line per violation, naming the resource
and column. The on-run-start hook (macro enforce_governance) gets them
through the SQL function the governance plugin registers and stops the run
when there is any. The rules:

- metadata is present, with a known identifiability and retention class;
- data categories and recipients are in the published privacy notice, and
  the registers agree with it and with each other;
- a category a model brings in was agreed for every commission whose data
  reaches it; a special-category column is flagged as such; a column keeps
  the classification its same-named parent column has;
- identifiable data (a delivered source, an identifiable column) is held only
  with an approved, in-date risk assessment;
- no direct identifier (by classification or by name) outside staging;
- no landing data of a commission whose retention has ended;
- no test stores failing rows of identifiable data;
- only staging models read sources, and staging models store nothing
  (views or ephemeral, vars.staging_table_models aside);
- exposures and models state a known audience, and services and partners
  read only sharing models and public dimensions.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from insight_hub.governance import manifest as m
from insight_hub.governance.registers import Registers
from insight_hub.governance.retention import RETENTION_VAR, expired_commissions

LEVELS = ["identifiable", "pseudonymised", "aggregate", "none"]
SPECIALS = ["none", "art9", "art10"]
REQUIRED_META = ["commission", "owning_service", "lawful_basis", "identifiability", "retention_class"]
EXPOSURE_AUDIENCES = ["hub_analysts", "services", "partners"]
MODEL_AUDIENCES = ["hub_analysts", "approved_recipients", "public"]
# dbt_project.yml vars the rules read; a run may not override them (--vars).
GOVERNANCE_VARS = ("direct_identifier_column_pattern", "staging_table_models", RETENTION_VAR)
Delivered = Callable[[m.Resource], bool]


@dataclass(frozen=True)
class Settings:
    """What a run is judged with: its date, its flags and the project's governance vars."""

    as_of: dt.date
    identifier_pattern: str
    staging_table_models: list[str]
    hub_retention_years: int
    store_failures: bool = False

    @classmethod
    def from_project(cls, as_of: dt.date, store_failures: bool = False, project_dir: Path = m.PROJECT_ROOT) -> Settings:
        variables = m.project_vars(project_dir)
        return cls(
            as_of=as_of,
            identifier_pattern=variables["direct_identifier_column_pattern"],
            staging_table_models=list(variables.get("staging_table_models") or []),
            hub_retention_years=int(variables[RETENTION_VAR]),
            store_failures=store_failures,
        )


def violations(
    manifest: m.Manifest, registers: Registers, settings: Settings, delivered: Delivered = m.delivered
) -> list[str]:
    """Every violation of the pre-build rules; ``delivered`` says whether a source has landing files."""
    return [
        *register_violations(registers),
        *resource_violations(manifest, registers, settings, delivered),
        *retention_violations(manifest, registers, settings, delivered),
        *stored_failure_violations(manifest, settings),
        *graph_violations(manifest, settings),
        *audience_violations(manifest),
    ]


def run_vars_violations(run_vars: dict[str, Any], project_dir: Path = m.PROJECT_ROOT) -> list[str]:
    """The governance vars a run sees (after --vars) must be dbt_project.yml's, which the Python rules read."""
    declared = m.project_vars(project_dir)
    return [
        f"vars.{name}: this run has {run_vars[name]!r} where dbt_project.yml has {declared.get(name)!r}; "
        "governance settings change in dbt_project.yml, not with --vars"
        for name in GOVERNANCE_VARS
        if name in run_vars and run_vars[name] != declared.get(name)
    ]


def register_violations(registers: Registers) -> list[str]:
    """The registers against the privacy notice and each other."""
    found = []
    for commission_id, commission in registers.commissions.items():
        for category in registers.agreed_categories(commission_id):
            if category not in registers.notice_categories:
                found.append(
                    f"commission {commission_id}: agreed category '{category}' is not in the published privacy notice"
                )
        if not commission["lawful_basis"]:
            found.append(f"commission {commission_id}: no lawful basis recorded")
    for approval in registers.sharing_approvals:
        if approval["recipient_type"] not in registers.notice_recipients:
            found.append(
                f"sharing approval {approval['approval_id']}: recipient '{approval['recipient_type']}' "
                "is not in the published privacy notice"
            )
        if approval["commission_id"] not in registers.commissions:
            found.append(
                f"sharing approval {approval['approval_id']}: commission {approval['commission_id']} "
                "is not in the commissions register"
            )
    return found


def resource_violations(
    manifest: m.Manifest, registers: Registers, settings: Settings, delivered: Delivered = m.delivered
) -> list[str]:
    """Metadata, classification and risk assessment of every source, model and snapshot."""
    lineage = m.commissions_by_lineage(manifest)
    found = []
    for node in [*manifest["sources"].values(), *m.resources(manifest, "model", "snapshot")]:
        is_source = node["resource_type"] == "source"
        label, meta = m.label(node), m.meta(node)
        if is_source:
            commissions = [meta["commission"]] if meta.get("commission") else []
        else:
            found += [f"{label}: meta.{key} is missing" for key in REQUIRED_META if meta.get(key) is None]
            if meta.get("retention_class") and meta["retention_class"] not in registers.retention_classes:
                found.append(f"{label}: retention class '{meta['retention_class']}' is not in the retention schedule")
            commissions = m.model_commissions(node, lineage) if meta.get("commission") else []
        if meta.get("identifiability") and meta["identifiability"] not in LEVELS:
            found.append(f"{label}: identifiability '{meta['identifiability']}' is not one of {', '.join(LEVELS)}")
        found += [
            f"{label}: commission {c} is not in the commissions register"
            for c in commissions
            if c not in registers.commissions
        ]
        found += [
            f"{label}: permitted recipient '{r}' is not in the published privacy notice"
            for r in m.as_list(meta.get("permitted_recipients"))
            if r not in registers.notice_recipients
        ]
        found += column_violations(manifest, node, commissions, registers, settings)
        # a source holds identifiable data while its files are in the landing folder
        if is_source and meta.get("commission"):
            holds_identifiable = delivered(node)
        else:
            holds_identifiable = meta.get("identifiability") == "identifiable" or any(
                m.identifiability(node, column) == "identifiable" for column in node["columns"].values()
            )
        if holds_identifiable:
            found += risk_assessment_violations(label, commissions, registers, settings.as_of)
    return found


def column_violations(
    manifest: m.Manifest, node: m.Resource, commissions: list[str], registers: Registers, settings: Settings
) -> list[str]:
    """Each declared column of one resource: classified, in the notice, agreed, flagged, carried from its parents."""
    is_source = node["resource_type"] == "source"
    meta = m.meta(node)
    in_staging = is_source or m.layer(node) == "staging"
    inherited = m.parent_categories(manifest, node)
    found = []
    for column in node["columns"].values():
        where = f"{m.label(node)}, column {column['name']}"
        declared = m.column_meta(column)
        category = declared.get("data_category", meta.get("data_category"))
        level = m.identifiability(node, column)
        categories, specials = m.as_list(category), m.special_categories(column)
        if (category is None or level is None) and not (is_source and not meta.get("commission")):
            found.append(
                f"{where}: data_category and identifiability are required (on the column or as the model's default)"
            )
        for category in (c for c in categories if c != "none"):
            if category not in registers.notice_categories:
                found.append(f"{where}: data category '{category}' is not in the published privacy notice")
                continue
            special = registers.notice_categories[category]
            if special != "none" and special not in specials:
                found.append(f"{where}: '{category}' is special category data; declare meta.special_category {special}")
            # A category a parent carries was judged there, against the commissions whose data it
            # came from (a union of extracts carries every extract's categories, each row only its
            # own commission's); one the node brings in must be agreed for every commission it reaches.
            if category not in inherited:
                found += [
                    f"{where}: data category '{category}' was not agreed for commission {c}"
                    for c in commissions
                    if c in registers.commissions and category not in registers.agreed_categories(c)
                ]
        found += [f"{where}: special_category '{s}' is not none, art9 or art10" for s in specials if s not in SPECIALS]
        if not is_source and level != "aggregate":
            found += carried_classification_violations(manifest, node, column, categories, specials)
        if level and level not in LEVELS:
            found.append(f"{where}: identifiability '{level}' is not one of {', '.join(LEVELS)}")
        if not in_staging and (
            level == "identifiable" or re.fullmatch(settings.identifier_pattern, column["name"].lower())
        ):
            found.append(f"{where}: a direct identifier outside staging (only tokens may leave staging)")
    return found


def carried_classification_violations(
    manifest: m.Manifest, node: m.Resource, column: dict[str, Any], categories: list[Any], specials: list[Any]
) -> list[str]:
    """Classification travels with the data: a column declares at least what the
    same-named column of each parent declares."""
    where = f"{m.label(node)}, column {column['name']}"
    found = []
    for parent_id in m.parents(node):
        parent = manifest["nodes"].get(parent_id)
        if parent is None or column["name"] not in parent["columns"]:
            continue
        parent_column = parent["columns"][column["name"]]
        found += [
            f"{where}: its parent {parent['name']} classifies it '{c}', which it does not declare"
            for c in m.data_categories(parent, parent_column)
            if c not in [*categories, "none"]
        ]
        found += [
            f"{where}: its parent {parent['name']} marks it special category {s}, which it does not declare"
            for s in m.special_categories(parent_column)
            if s not in [*specials, "none"]
        ]
    return found


def risk_assessment_violations(label: str, commissions: list[str], registers: Registers, as_of: dt.date) -> list[str]:
    """Identifiable data of each commission needs an approved risk assessment not past its review date."""
    found = []
    for commission_id in (c for c in commissions if c in registers.commissions):
        assessment = registers.risk_assessments.get(registers.commissions[commission_id]["risk_assessment_id"])
        if assessment is None or assessment["status"] != "approved":
            found.append(
                f"{label}: holds identifiable data of commission {commission_id} without an approved risk assessment"
            )
        elif assessment["review_date"] < as_of.isoformat():
            found.append(
                f"{label}: the risk assessment {assessment['risk_assessment_id']} for commission {commission_id} "
                f"passed its review date {assessment['review_date']}"
            )
    return found


def retention_violations(
    manifest: m.Manifest, registers: Registers, settings: Settings, delivered: Delivered = m.delivered
) -> list[str]:
    """Retention is executable: no run may read an expired commission's landing data."""
    expired = expired_commissions(
        list(registers.commissions.values()),
        registers.retention_exceptions,
        settings.as_of,
        settings.hub_retention_years,
    )
    return [
        f"{m.label(source)}: the retention of commission {m.meta(source)['commission']} has ended; "
        "remove its data with: dbt run-operation purge_expired --args '{apply: true}'"
        for source in manifest["sources"].values()
        if m.meta(source).get("commission") in expired and delivered(source)
    ]


def stored_failure_violations(manifest: m.Manifest, settings: Settings) -> list[str]:
    """Failing-test samples must never hold identifiable rows (a source's or a staging model's)."""
    found = []
    for test in m.resources(manifest, "test"):
        if test["config"].get("store_failures") or settings.store_failures:
            found += [
                f"test {test['name']}: store_failures would keep failing rows of {parent}, which holds identifiable data"
                for parent in m.parents(test)
                if parent in manifest["sources"]
                or (parent in manifest["nodes"] and m.layer(manifest["nodes"][parent]) == "staging")
            ]
    return found


def graph_violations(manifest: m.Manifest, settings: Settings) -> list[str]:
    """Only staging models read sources; staging models are views or ephemeral
    (vars.staging_table_models aside), so the cleartext they read is never stored."""
    found = []
    readers = [*manifest["nodes"].values(), *manifest.get("exposures", {}).values()]
    for node in (n for n in readers if n["resource_type"] != "test"):
        label = m.label(node)
        in_staging = node["resource_type"] == "model" and m.layer(node) == "staging"
        if not in_staging:
            found += [
                f"{label}: reads {m.label(manifest['sources'][p])} directly; "
                "only staging models (models/staging/) may read a source"
                for p in m.parents(node)
                if p in manifest["sources"]
            ]
        else:
            allowed = ["view", "ephemeral", *(["table"] if node["name"] in settings.staging_table_models else [])]
            materialized = node["config"].get("materialized")
            if materialized not in allowed:
                found.append(
                    f"{label}: a staging model is materialized as '{materialized}'; staging models are views "
                    "or ephemeral, so the cleartext they read is never stored"
                )
    return found


def audience_violations(manifest: m.Manifest) -> list[str]:
    """Unsuppressed marts are for the Hub's analysts: an exposure for services or
    partners reads only sharing models (approved_recipients) and public dimensions."""
    found = []
    for node in m.resources(manifest, "model"):
        audience = m.meta(node).get("audience")
        if audience is None:
            continue
        if audience not in MODEL_AUDIENCES:
            found.append(f"model {node['name']}: meta.audience '{audience}' is not one of {', '.join(MODEL_AUDIENCES)}")
        elif audience == "approved_recipients" and m.layer(node) != "sharing":
            found.append(f"model {node['name']}: only sharing models (models/sharing/) are for approved recipients")
    for exposure in manifest.get("exposures", {}).values():
        audience = m.meta(exposure).get("audience", exposure.get("meta", {}).get("audience"))
        if audience not in EXPOSURE_AUDIENCES:
            found.append(
                f"exposure {exposure['name']}: meta.audience '{audience}' is not one of {', '.join(EXPOSURE_AUDIENCES)}"
            )
        elif audience != "hub_analysts":
            for parent in (manifest["nodes"][p] for p in m.parents(exposure) if p in manifest["nodes"]):
                read = m.meta(parent).get("audience")
                if read not in ["approved_recipients", "public"]:
                    found.append(
                        f"exposure {exposure['name']} (audience {audience}): reads {parent['name']} (audience {read}); "
                        "a dashboard for services or partners reads only sharing models and dimensions "
                        "without counts of people"
                    )
    return found
