"""Export disclosure-controlled sharing outputs for an approved recipient.

    python -m insight_hub.export --recipient "Health Agencies" --commission IH-2026-001 \
        [--output ward_service_demand] [--exports-dir exports]

writes each approved output (its sharing model, ``share_<mart>``, filtered to
the recipient's rows) as CSV and Parquet to
``exports/<recipient>/<commission>/`` with ``manifest.json``: the source
models and their lineage, when the warehouse was built and exported, the
disclosure rules applied and the approval reference. Without ``--output`` it
exports every output approved for the pair.

It refuses, with a one-line reason and exit status 2:

- a recipient not in the published privacy notice (privacy_notice_recipients);
- a commission not in the commissions register;
- a model that is not an aggregate (meta identifiability) or not a sharing
  model (``models/marts/sharing/share_*``);
- a (recipient, commission, output) without an in-date sharing approval;
- an output whose lineage includes a commercially licensed source (source
  meta ``licence: commercial``) the recipient has no in-date clearance for
  (licence_clearances);
- a sharing model with no rows for the pair (built before the approval), or
  whose rows break the disclosure rule (a last check, after the dbt tests).

Registers are read from ``seeds/governance`` as they are now (a revoked
approval stops exports at once); lineage and metadata from the dbt manifest
of the build (``target/manifest.json``); rows from the warehouse, read-only.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import getpass
import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARING_PREFIX = "share_"
SUPPRESSED_MARKER = "[c]"


class ExportRefused(Exception):
    """An export the registers or the rules do not allow; the message is the one-line reason."""


@dataclass(frozen=True)
class Registers:
    """The governance registers an export is judged against (CSV, as in seeds/governance)."""

    folder: Path

    def rows(self, name: str) -> list[dict[str, str]]:
        path = self.folder / f"{name}.csv"
        if not path.is_file():
            raise ExportRefused(f"register {path} not found")
        with path.open(newline="", encoding="utf-8") as handle:
            return [{key: (value or "").strip() for key, value in row.items()} for row in csv.DictReader(handle)]


@dataclass
class Output:
    """One sharing output to export and what the manifest says about it."""

    mart: str
    model: str
    node: dict[str, Any]
    approval: dict[str, str]
    lineage: dict[str, list[str]] = field(default_factory=dict)
    licences: dict[str, str] = field(default_factory=dict)


def _in_date(start: str, end: str, on: dt.date) -> bool:
    return (not start or dt.date.fromisoformat(start) <= on) and (not end or on <= dt.date.fromisoformat(end))


def recipient_folder(recipient: str) -> str:
    """A recipient type as a folder name: 'Voluntary Agencies /Third Sector' -> 'voluntary-agencies-third-sector'."""
    return re.sub(r"[^a-z0-9]+", "-", recipient.lower()).strip("-")


def load_manifest(target: Path) -> dict[str, Any]:
    path = target / "manifest.json"
    if not path.is_file():
        raise ExportRefused(f"{path} not found: build the warehouse (dbt build) before exporting")
    return json.loads(path.read_text())


def model_node(manifest: dict[str, Any], name: str) -> dict[str, Any] | None:
    return next((node for node in manifest["nodes"].values()
                 if node["resource_type"] == "model" and node["name"] == name), None)


def lineage(manifest: dict[str, Any], unique_id: str) -> dict[str, list[str]]:
    """Every model, seed, snapshot and source upstream of a node, by name."""
    found: dict[str, set[str]] = {"models": set(), "seeds": set(), "snapshots": set(), "sources": set()}
    stack, seen = [unique_id], set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        if current in manifest["sources"]:
            source = manifest["sources"][current]
            found["sources"].add(f"{source['source_name']}.{source['name']}")
            continue
        node = manifest["nodes"].get(current)
        if node is None:
            continue
        if current != unique_id and node["resource_type"] in ("model", "seed", "snapshot"):
            found[node["resource_type"] + "s"].add(node["name"])
        stack.extend(node.get("depends_on", {}).get("nodes", []))
    return {kind: sorted(names) for kind, names in found.items()}


def source_licences(manifest: dict[str, Any], source_names: list[str]) -> dict[str, str]:
    licences = {}
    for source in manifest["sources"].values():
        name = f"{source['source_name']}.{source['name']}"
        if name in source_names:
            meta = source.get("config", {}).get("meta") or source.get("meta") or {}
            licences[name] = meta.get("licence", "")
    return licences


def resolve_outputs(manifest: dict[str, Any], registers: Registers, recipient: str, commission: str,
                    requested: str | None, on: dt.date) -> list[Output]:
    """The outputs to export, each checked against the registers and the manifest; refuses the first that fails."""
    if recipient not in {row["recipient_type"] for row in registers.rows("privacy_notice_recipients")}:
        raise ExportRefused(f"recipient '{recipient}' is not in the published privacy notice (privacy_notice_recipients)")
    if commission not in {row["commission_id"] for row in registers.rows("commissions")}:
        raise ExportRefused(f"commission {commission} is not in the commissions register")
    approvals = [row for row in registers.rows("sharing_approvals")
                 if row["recipient_type"] == recipient and row["commission_id"] == commission]

    if requested:
        names = [requested]
    else:
        names = sorted({row["output_model"] for row in approvals if _in_date(row["approved_date"], row["expires_date"], on)})
        if not names:
            raise ExportRefused(f"no in-date sharing approval for recipient '{recipient}' and commission {commission}")

    outputs = []
    for name in names:
        named = model_node(manifest, name)
        if named is None:
            raise ExportRefused(f"no model named {name} in the dbt manifest")
        if named["config"]["meta"].get("identifiability") != "aggregate":
            raise ExportRefused(f"{name} is not an aggregate (identifiability "
                                f"{named['config']['meta'].get('identifiability')}): only aggregates leave the Hub")
        model = name if name.startswith(SHARING_PREFIX) else SHARING_PREFIX + name
        node = model_node(manifest, model)
        if node is None or "sharing" not in node["fqn"] or not model.startswith(SHARING_PREFIX):
            raise ExportRefused(f"{name} is not a sharing model: only models/marts/sharing/share_* outputs are exported")
        if node["config"]["meta"].get("identifiability") != "aggregate":
            raise ExportRefused(f"{model} is not an aggregate: only aggregates leave the Hub")
        mart = node["config"]["meta"].get("shares") or model[len(SHARING_PREFIX):]

        matching = [row for row in approvals if row["output_model"] == mart]
        current = [row for row in matching if _in_date(row["approved_date"], row["expires_date"], on)]
        if not current:
            if matching:
                row = max(matching, key=lambda r: r["expires_date"] or "")
                raise ExportRefused(f"approval {row['approval_id']} to share {mart} with '{recipient}' for {commission} "
                                    f"is not in date on {on} ({row['approved_date']} to {row['expires_date']})")
            raise ExportRefused(f"no sharing approval for recipient '{recipient}', commission {commission} and output {mart}")

        upstream = lineage(manifest, node["unique_id"])
        licences = source_licences(manifest, upstream["sources"])
        clearances = registers.rows("licence_clearances")
        for source, licence in sorted(licences.items()):
            if licence != "commercial":
                continue
            cleared = [row for row in clearances if row["source_name"] == source and row["recipient_type"] == recipient
                       and _in_date(row["cleared_date"], row["expires_date"], on)]
            if not cleared:
                raise ExportRefused(f"{model} is built from commercially licensed {source}, which is not cleared for "
                                    f"'{recipient}' (licence_clearances)")
        outputs.append(Output(mart=mart, model=model, node=node, approval=current[0], lineage=upstream, licences=licences))
    return outputs


def _count_columns(columns: list[str]) -> list[str]:
    return [name for name in columns if name.endswith("_count") and f"{name}_status" in columns]


def check_rows(con: duckdb.DuckDBPyConnection, relation: str, recipient: str, commission: str) -> tuple[int, list[str]]:
    """Rows of the pair and a last check of the disclosure rule on them (the dbt tests are the first)."""
    columns = [row[0] for row in con.execute(f"select column_name from (describe {relation})").fetchall()]
    (rows,) = con.execute(f"select count(*) from {relation} where recipient_type = ? and commission_id = ?",
                          [recipient, commission]).fetchone()
    if rows == 0:
        raise ExportRefused(f"{relation} has no rows for '{recipient}' and {commission}: "
                            "build the warehouse (dbt build) after the approval is registered")
    for count in _count_columns(columns):
        (broken,) = con.execute(
            f"select count(*) from {relation} where recipient_type = ? and commission_id = ? and ("
            f"{count} between 1 and suppress_up_to or {count} % rounding_base <> 0 "
            f"or ({count} is null) <> ({count}_status is not distinct from '{SUPPRESSED_MARKER}'))",
            [recipient, commission]).fetchone()
        if broken:
            raise ExportRefused(f"{relation}.{count} breaks the disclosure rule in {broken} rows: not exported")
    return rows, columns


def _literal(value: str) -> str:
    """A SQL string literal (COPY takes no parameters)."""
    return "'" + value.replace("'", "''") + "'"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _built_at(target: Path, unique_id: str, manifest: dict[str, Any]) -> str:
    """When the model was last built: its run result if the last run built it, else the manifest's time."""
    results = target / "run_results.json"
    if results.is_file():
        for result in json.loads(results.read_text()).get("results", []):
            if result.get("unique_id") == unique_id:
                for timing in result.get("timing", []):
                    if timing.get("name") == "execute" and timing.get("completed_at"):
                        return timing["completed_at"]
    return manifest["metadata"].get("generated_at", "")


def export(recipient: str, commission: str, output: str | None = None, *, warehouse: Path, target: Path,
           registers: Path, exports_dir: Path, on: dt.date | None = None) -> Path:
    """Export the pair's approved outputs; returns the folder written. Raises ExportRefused."""
    on = on or dt.date.today()
    manifest = load_manifest(target)
    outputs = resolve_outputs(manifest, Registers(registers), recipient, commission, output, on)
    if not warehouse.is_file():
        raise ExportRefused(f"warehouse {warehouse} not found")
    folder = exports_dir / recipient_folder(recipient) / commission
    manifest_path = folder / "manifest.json"
    entries: dict[str, dict[str, Any]] = {}
    if manifest_path.is_file():
        entries = {entry["model"]: entry for entry in json.loads(manifest_path.read_text()).get("outputs", [])}

    with duckdb.connect(str(warehouse), read_only=True) as con:
        checked = []
        for item in outputs:
            relation = f"{item.node['schema']}.{item.node['alias'] or item.model}"
            rows, columns = check_rows(con, relation, recipient, commission)
            checked.append((item, relation, rows, columns))
        folder.mkdir(parents=True, exist_ok=True)
        for item, relation, rows, columns in checked:
            query = (f"select * exclude (recipient_type) from {relation} "
                     f"where recipient_type = {_literal(recipient)} and commission_id = {_literal(commission)} "
                     "order by all")
            files = {}
            for kind, options in (("csv", "format csv, header true"), ("parquet", "format parquet")):
                path = folder / f"{item.model}.{kind}"
                con.execute(f"copy ({query}) to {_literal(str(path))} ({options})")
                files[kind] = {"path": path.name, "sha256": _sha256(path)}
            rule = con.execute(
                f"select distinct disclosure_rule_id, suppress_up_to, rounding_base from {relation} "
                "where recipient_type = ? and commission_id = ?", [recipient, commission]).fetchall()
            print(f"{item.model}: {rows} rows to {folder}", file=sys.stderr)
            entries[item.model] = {
                "model": item.model,
                "relation": relation,
                "shares": item.mart,
                "description": item.node.get("description", ""),
                "approval": {key: item.approval[key] for key in
                             ("approval_id", "recipient_type", "commission_id", "output_model", "approved_by",
                              "approved_date", "expires_date")},
                "rules_applied": [{
                    "disclosure_rule_id": rule_id, "suppress_up_to": threshold, "rounding_base": base,
                    "primary_suppression": f"counts from 1 to {threshold} withheld",
                    "rounding": f"every other count rounded to the nearest {base}; 0 published as 0",
                    "secondary_suppression": "no withheld count is the only one withheld in any total it belongs to "
                                             "(areas within their parent area, bands within their total)",
                    "rates": "computed from unrounded counts; withheld (null) with their count",
                    "suppressed_marker": f"{SUPPRESSED_MARKER} in the count's _status column, with the count null",
                } for rule_id, threshold, base in rule],
                "rows": rows,
                "columns": [name for name in columns if name != "recipient_type"],
                "files": files,
                "built_at": _built_at(target, item.node["unique_id"], manifest),
                "lineage": item.lineage,
                "source_licences": item.licences,
            }

    manifest_path.write_text(json.dumps({
        "recipient_type": recipient,
        "commission_id": commission,
        "exported_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "exported_by": getpass.getuser(),
        "approval_checked_on": on.isoformat(),
        "warehouse": str(warehouse),
        "dbt": {key: manifest["metadata"].get(key) for key in ("dbt_version", "generated_at", "invocation_id")},
        "outputs": [entries[name] for name in sorted(entries)],
    }, indent=2) + "\n")
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m insight_hub.export", description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipient", required=True, help="recipient type, as the privacy notice words it")
    parser.add_argument("--commission", required=True, help="commission id (IH-YYYY-NNN)")
    parser.add_argument("--output", help="the mart (or its share_ model) to export; default every approved output")
    parser.add_argument("--warehouse", type=Path,
                        default=Path(os.environ.get("INSIGHT_HUB_WAREHOUSE", "warehouse/insight_hub.duckdb")))
    parser.add_argument("--target", type=Path, default=Path(os.environ.get("DBT_TARGET_PATH", "target")),
                        help="dbt target folder holding manifest.json")
    parser.add_argument("--registers", type=Path, default=PROJECT_ROOT / "seeds" / "governance")
    parser.add_argument("--exports-dir", type=Path, default=Path("exports"))
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None,
                        help="date approvals and clearances are judged on (default today)")
    args = parser.parse_args(argv)
    try:
        folder = export(args.recipient, args.commission, args.output, warehouse=args.warehouse, target=args.target,
                        registers=args.registers, exports_dir=args.exports_dir, on=args.as_of)
    except ExportRefused as refusal:
        print(f"export refused: {refusal}", file=sys.stderr)
        return 2
    print(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
