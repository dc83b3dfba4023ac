"""Export disclosure-controlled sharing outputs for an approved recipient.

    python -m insight_hub.export --recipient "Health Agencies" --commission IH-2026-001 \
        [--output ward_service_demand] [--warehouse warehouse/insight_hub.duckdb] [--exports-dir exports]

writes each approved output (its sharing model, ``share_<mart>``, filtered to
the recipient's rows under its approval) as CSV and Parquet to
``exports/<recipient>/<commission>/`` with ``manifest.json``: the source
models and their lineage, the build and export times, the disclosure rules
applied and the approval reference, and no local path, user or host name.
Without ``--output`` it exports every output approved for the pair. Who
exported what, when, from which build and with which file digests is appended
to ``audit.exports`` in the warehouse; an export that cannot be recorded there
writes nothing.

Nothing the caller names is believed. Approvals and licence clearances are
judged on today's date. The build is the warehouse's own record of it: the
``record_build`` on-run-end hook (macros/build_record.sql) keeps, in
``audit.dbt_invocations``, the manifest each run parsed, and in
``audit.dbt_built_relations`` which run built each relation; lineage and
metadata come from the manifest of the last run that built anything, and every
exported relation must have been built by that run. The registers count only
where the warehouse's governance seeds (what the last ``dbt seed`` loaded) and
the seed files on disk (``seeds/governance``) agree: a revoked approval stops
exports at once, and a new or edited one needs a build before it shares
anything.

It refuses, with a one-line reason and exit status 2:

- a recipient not in the published privacy notice (privacy_notice_recipients);
- a commission not in the commissions register;
- a model that is not an aggregate (meta identifiability) or not a sharing
  model (``models/sharing/share_*``);
- a (recipient, commission, output) without an in-date sharing approval, or
  whose approval the two copies of the register disagree about;
- an output whose lineage includes a commercially licensed source (source
  meta ``licence: commercial``) the recipient has no in-date clearance for
  (licence_clearances);
- a warehouse with no record of its build, or an output the last build did
  not build (a later partial run, a failed model);
- a sharing model with no rows for the approval (built before it), or whose
  rows break the disclosure rule (a last check, after the dbt tests).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import getpass
import hashlib
import json
import os
import re
import socket
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from insight_hub.governance import manifest as m

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARING_PREFIX = "share_"
SUPPRESSED_MARKER = "[c]"
REGISTERS = ("privacy_notice_recipients", "commissions", "sharing_approvals", "licence_clearances")
AUDIT_TABLE = "audit.exports"


class ExportRefused(Exception):
    """An export the registers or the rules do not allow; the message is the one-line reason."""


@dataclass(frozen=True)
class Register:
    """A governance register as both its copies hold it: the warehouse's seed table and the seed file on disk.

    ``rows`` are the rows the two agree on, the only ones that count;
    ``disputed`` the rows only one of them holds (an edit since the last build)."""

    relation: str
    path: str
    rows: list[dict[str, str]]
    disputed: list[dict[str, str]]

    def disagreement(self, what: str) -> str:
        return (
            f"{what}: {self.relation} (as the last build loaded it) and {self.path} (as it is now) disagree; "
            "nothing is shared until both agree (dbt build)"
        )


@dataclass(frozen=True)
class Build:
    """The last dbt run that built anything in the warehouse, as its on-run-end hook recorded it."""

    invocation_id: str
    run_started_at: str
    target_name: str
    manifest: dict[str, Any]


@dataclass
class Output:
    """One sharing output to export and what the manifest says about it."""

    mart: str
    model: str
    relation: str
    node: dict[str, Any]
    approval: dict[str, str]
    lineage: dict[str, list[str]] = field(default_factory=dict)
    licences: dict[str, str] = field(default_factory=dict)


def _in_date(start: str, end: str, on: dt.date) -> bool:
    return (not start or dt.date.fromisoformat(start) <= on) and (not end or on <= dt.date.fromisoformat(end))


def recipient_folder(recipient: str) -> str:
    """A recipient type as a folder name: 'Voluntary Agencies /Third Sector' -> 'voluntary-agencies-third-sector'."""
    return re.sub(r"[^a-z0-9]+", "-", recipient.lower()).strip("-")


def _records(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, str]]:
    names = [column[0] for column in cursor.description]
    return [
        {name: "" if value is None else str(value) for name, value in zip(names, row, strict=True)}
        for row in cursor.fetchall()
    ]


def last_build(con: duckdb.DuckDBPyConnection) -> Build:
    """The warehouse's record of the last run that built a relation; refuses a warehouse without one."""
    try:
        row = con.execute(
            "select invocation_id, cast(run_started_at as varchar), target_name, manifest "
            "from audit.dbt_invocations where relations_built > 0 order by recorded_at desc limit 1"
        ).fetchone()
    except duckdb.CatalogException:
        row = None
    if row is None:
        raise ExportRefused("the warehouse has no record of a build (audit.dbt_invocations): build it with dbt build")
    invocation_id, run_started_at, target_name, manifest = row
    if manifest is None:
        raise ExportRefused(
            f"the last build ({invocation_id}) recorded no manifest in audit.dbt_invocations: "
            "run dbt build with its JSON artifacts (no --no-write-json)"
        )
    return Build(invocation_id, run_started_at, target_name, json.loads(manifest))


def built_by(con: duckdb.DuckDBPyConnection, build: Build, output: Output) -> str:
    """When the last build built the output's relation; refuses rows another run built."""
    row = con.execute(
        "select invocation_id, cast(built_at as varchar) from audit.dbt_built_relations "
        "where unique_id = ? order by built_at desc limit 1",
        [output.node["unique_id"]],
    ).fetchone()
    if row is None or row[0] != build.invocation_id:
        by = f"by dbt invocation {row[0]} at {row[1]}" if row else "by no recorded dbt run"
        raise ExportRefused(
            f"{output.relation} was last built {by}, not by the last build ({build.invocation_id}, "
            f"started {build.run_started_at}): build it again (dbt build) before exporting"
        )
    return row[1]


def node_named(manifest: dict[str, Any], name: str, resource_type: str = "model") -> dict[str, Any] | None:
    return next(
        (
            node
            for node in manifest["nodes"].values()
            if node["resource_type"] == resource_type and node["name"] == name
        ),
        None,
    )


def load_register(con: duckdb.DuckDBPyConnection, manifest: dict[str, Any], name: str) -> Register:
    """A register from the warehouse (the seed the build loaded) and from its seed file on disk, compared."""
    node = node_named(manifest, name, "seed")
    if node is None:
        raise ExportRefused(f"the last build's manifest has no seed {name}")
    relation = f"{node['schema']}.{node['alias'] or name}"
    path = PROJECT_ROOT / node["original_file_path"]
    if not path.is_file():
        raise ExportRefused(f"register {node['original_file_path']} not found")
    loaded = f"select columns(*)::varchar from {relation}"
    on_disk = f"select * from read_csv({_literal(str(path))}, header = true, all_varchar = true)"
    columns = [
        [row[0] for row in con.execute(f"select column_name from (describe {query})").fetchall()]
        for query in (loaded, on_disk)
    ]
    if columns[0] != columns[1]:
        raise ExportRefused(
            f"{relation} and {node['original_file_path']} have different columns: "
            "nothing is shared until both agree (dbt build)"
        )
    return Register(
        relation=relation,
        path=node["original_file_path"],
        rows=_records(con.execute(f"{loaded} intersect {on_disk}")),
        disputed=_records(con.execute(f"({loaded} except {on_disk}) union all ({on_disk} except {loaded})")),
    )


def lineage(manifest: dict[str, Any], unique_id: str) -> dict[str, list[str]]:
    """Every model, seed, snapshot and source upstream of a node, by name."""
    found: dict[str, list[str]] = {"models": [], "seeds": [], "snapshots": [], "sources": []}
    for upstream in m.upstream(manifest, unique_id):
        if upstream in manifest["sources"]:
            found["sources"].append(m.qualified_name(manifest["sources"][upstream]))
        elif upstream in manifest["nodes"] and manifest["nodes"][upstream]["resource_type"] in (
            "model",
            "seed",
            "snapshot",
        ):
            node = manifest["nodes"][upstream]
            found[node["resource_type"] + "s"].append(node["name"])
    return {kind: sorted(names) for kind, names in found.items()}


def source_licences(manifest: dict[str, Any], source_names: list[str]) -> dict[str, str]:
    """The licence (source meta.licence, '' for none) of each named source."""
    return {
        name: m.meta(source).get("licence", "")
        for source in manifest["sources"].values()
        if (name := m.qualified_name(source)) in source_names
    }


def resolve_outputs(
    manifest: dict[str, Any],
    registers: dict[str, Register],
    recipient: str,
    commission: str,
    requested: str | None,
    today: dt.date,
) -> list[Output]:
    """The outputs to export, each checked against the registers and the manifest; refuses the first that fails."""
    recipients = registers["privacy_notice_recipients"]
    if recipient not in {row["recipient_type"] for row in recipients.rows}:
        if recipient in {row["recipient_type"] for row in recipients.disputed}:
            raise ExportRefused(recipients.disagreement(f"recipient '{recipient}'"))
        raise ExportRefused(
            f"recipient '{recipient}' is not in the published privacy notice (privacy_notice_recipients)"
        )
    commissions = registers["commissions"]
    if commission not in {row["commission_id"] for row in commissions.rows}:
        if commission in {row["commission_id"] for row in commissions.disputed}:
            raise ExportRefused(commissions.disagreement(f"commission {commission}"))
        raise ExportRefused(f"commission {commission} is not in the commissions register")

    def for_pair(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        return [row for row in rows if row["recipient_type"] == recipient and row["commission_id"] == commission]

    register = registers["sharing_approvals"]
    approvals, contested = for_pair(register.rows), for_pair(register.disputed)
    if requested:
        names = [requested]
    else:
        names = sorted(
            {row["output_model"] for row in approvals if _in_date(row["approved_date"], row["expires_date"], today)}
        )
        if not names:
            if contested:
                raise ExportRefused(register.disagreement(f"approval {contested[0]['approval_id']}"))
            raise ExportRefused(f"no in-date sharing approval for recipient '{recipient}' and commission {commission}")

    outputs = []
    for name in names:
        named = node_named(manifest, name)
        if named is None:
            raise ExportRefused(f"no model named {name} in the last build's manifest")
        identifiability = m.meta(named).get("identifiability")
        if identifiability != "aggregate":
            raise ExportRefused(
                f"{name} is not an aggregate (identifiability {identifiability}): only aggregates leave the Hub"
            )
        model = name if name.startswith(SHARING_PREFIX) else SHARING_PREFIX + name
        node = node_named(manifest, model)
        if node is None or m.layer(node) != "sharing" or not model.startswith(SHARING_PREFIX):
            raise ExportRefused(f"{name} is not a sharing model: only models/sharing/share_* outputs are exported")
        if m.meta(node).get("identifiability") != "aggregate":
            raise ExportRefused(f"{model} is not an aggregate: only aggregates leave the Hub")
        mart = m.meta(node).get("shares") or model[len(SHARING_PREFIX) :]

        matching = [row for row in approvals if row["output_model"] == mart]
        current = [row for row in matching if _in_date(row["approved_date"], row["expires_date"], today)]
        if not current:
            disputed = [row for row in contested if row["output_model"] == mart]
            if disputed:
                raise ExportRefused(
                    register.disagreement(
                        f"approval {disputed[0]['approval_id']} to share {mart} with '{recipient}' for {commission}"
                    )
                )
            if matching:
                row = max(matching, key=lambda r: r["expires_date"] or "")
                raise ExportRefused(
                    f"approval {row['approval_id']} to share {mart} with '{recipient}' for {commission} "
                    f"is not in date on {today} ({row['approved_date']} to {row['expires_date']})"
                )
            raise ExportRefused(
                f"no sharing approval for recipient '{recipient}', commission {commission} and output {mart}"
            )

        upstream = lineage(manifest, node["unique_id"])
        licences = source_licences(manifest, upstream["sources"])
        clearances = registers["licence_clearances"]
        for source, licence in sorted(licences.items()):
            if licence != "commercial":
                continue

            def cleared(rows: list[dict[str, str]], source: str = source) -> list[dict[str, str]]:
                return [
                    row
                    for row in rows
                    if row["source_name"] == source
                    and row["recipient_type"] == recipient
                    and _in_date(row["cleared_date"], row["expires_date"], today)
                ]

            if not cleared(clearances.rows):
                if cleared(clearances.disputed):
                    raise ExportRefused(clearances.disagreement(f"the clearance of {source} for '{recipient}'"))
                raise ExportRefused(
                    f"{model} is built from commercially licensed {source}, which is not cleared for "
                    f"'{recipient}' on {today} (licence_clearances)"
                )
        outputs.append(
            Output(
                mart=mart,
                model=model,
                relation=f"{node['schema']}.{node['alias'] or model}",
                node=node,
                approval=current[0],
                lineage=upstream,
                licences=licences,
            )
        )
    return outputs


def _count_columns(columns: list[str]) -> list[str]:
    return [name for name in columns if name.endswith("_count") and f"{name}_status" in columns]


def _rows_of(relation: str) -> str:
    """The rows of a sharing model one approval gives its recipient (parameters: recipient, commission, approval)."""
    return f"from {relation} where recipient_type = ? and commission_id = ? and approval_id = ?"


def check_rows(con: duckdb.DuckDBPyConnection, output: Output) -> tuple[int, list[str]]:
    """Rows of the approval and a last check of the disclosure rule on them (the dbt tests are the first)."""
    key = [output.approval["recipient_type"], output.approval["commission_id"], output.approval["approval_id"]]
    columns = [row[0] for row in con.execute(f"select column_name from (describe {output.relation})").fetchall()]
    counted = con.execute(f"select count(*) {_rows_of(output.relation)}", key).fetchone()
    assert counted is not None, "count(*) returns a row"
    (rows,) = counted
    if rows == 0:
        raise ExportRefused(
            f"{output.relation} has no rows for '{key[0]}' and {key[1]} under approval {key[2]}: "
            "build the warehouse (dbt build) after the approval is registered"
        )
    breaches = disclosure_breaches(con, output.relation, _rows_of(output.relation), key)
    if breaches:
        raise ExportRefused(f"{breaches[0]}: not exported")
    return rows, columns


def disclosure_breaches(
    con: duckdb.DuckDBPyConnection, relation: str, rows: str | None = None, parameters: list[str] | None = None
) -> list[str]:
    """The counts of a sharing model (rows: its `from ... where ...` clause, default all rows) that break
    the rule its rows carry: a count between 1 and suppress_up_to, one not a multiple of rounding_base, or a
    null count whose status is not the suppression marker (and the reverse). The publish step reuses it."""
    rows = rows or f"from {relation} where true"
    columns = [row[0] for row in con.execute(f"select column_name from (describe {relation})").fetchall()]
    breaches = []
    for count in _count_columns(columns):
        counted = con.execute(
            f"select count(*) {rows} and ("
            f"{count} between 1 and suppress_up_to or {count} % rounding_base <> 0 "
            f"or ({count} is null) <> ({count}_status is not distinct from '{SUPPRESSED_MARKER}'))",
            parameters or [],
        ).fetchone()
        assert counted is not None, "count(*) returns a row"
        (broken,) = counted
        if broken:
            breaches.append(f"{relation}.{count} breaks the disclosure rule in {broken} rows")
    return breaches


def _literal(value: str) -> str:
    """A SQL string literal (COPY takes no parameters)."""
    return "'" + value.replace("'", "''") + "'"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_outputs(
    con: duckdb.DuckDBPyConnection,
    build: Build,
    checked: list[tuple[Output, int, list[str], str]],
    staging: Path,
    today: dt.date,
) -> dict[str, dict[str, Any]]:
    """Each checked output's files in the staging folder, and its entry in the recipient's manifest."""
    entries = {}
    for item, rows, columns, built_at in checked:
        key = [item.approval["recipient_type"], item.approval["commission_id"], item.approval["approval_id"]]
        query = "select * exclude (recipient_type) " + _rows_of(item.relation) + " order by all"
        files = {}
        for kind, options in (("csv", "format csv, header true"), ("parquet", "format parquet")):
            path = staging / f"{item.model}.{kind}"
            con.execute(f"copy ({query}) to {_literal(str(path))} ({options})", key)
            files[kind] = {"path": path.name, "sha256": _sha256(path)}
        rule = con.execute(
            f"select distinct disclosure_rule_id, suppress_up_to, rounding_base {_rows_of(item.relation)}", key
        ).fetchall()
        entries[item.model] = {
            "model": item.model,
            "relation": item.relation,
            "shares": item.mart,
            "description": item.node.get("description", ""),
            "approval": {
                name: item.approval[name]
                for name in (
                    "approval_id",
                    "recipient_type",
                    "commission_id",
                    "output_model",
                    "approved_by",
                    "approved_date",
                    "expires_date",
                )
            },
            "approval_checked_on": today.isoformat(),
            "rules_applied": [
                {
                    "disclosure_rule_id": rule_id,
                    "suppress_up_to": threshold,
                    "rounding_base": base,
                    "primary_suppression": f"counts from 1 to {threshold} withheld",
                    "rounding": f"every other count rounded to the nearest {base}; 0 published as 0",
                    "secondary_suppression": "no withheld count is the only one withheld in any total it belongs to "
                    "(areas within their parent area, bands within their total)",
                    "rates": "computed from the published (rounded) counts; withheld with their count",
                    "suppressed_marker": f"{SUPPRESSED_MARKER} in the count's _status column, with the count null",
                }
                for rule_id, threshold, base in rule
            ],
            "rows": rows,
            "columns": [name for name in columns if name != "recipient_type"],
            "files": files,
            "built_at": built_at,
            "build_invocation_id": build.invocation_id,
            "lineage": item.lineage,
            "source_licences": item.licences,
        }
    return entries


def record_export(warehouse: Path, rows: list[list[Any]]) -> None:
    """Append the export to audit.exports, opening the warehouse read-write only for that."""
    try:
        with duckdb.connect(str(warehouse)) as con:
            con.execute("create schema if not exists audit")
            con.execute(f"""
                create table if not exists {AUDIT_TABLE} (
                    exported_at timestamptz not null,
                    export_id varchar not null,
                    exported_by varchar not null,
                    exported_from_host varchar not null,
                    recipient_type varchar not null,
                    commission_id varchar not null,
                    approval_id varchar not null,
                    model_name varchar not null,
                    relation_name varchar not null,
                    build_invocation_id varchar not null,
                    rows_exported bigint not null,
                    csv_sha256 varchar not null,
                    parquet_sha256 varchar not null,
                    manifest_sha256 varchar not null,
                    export_folder varchar not null
                )""")
            con.executemany(f"insert into {AUDIT_TABLE} values ({', '.join(['?'] * 15)})", rows)
    except duckdb.Error as error:
        raise ExportRefused(
            f"could not record the export in {AUDIT_TABLE} of {warehouse} "
            f"({str(error).splitlines()[0]}): nothing exported"
        ) from error


def export(recipient: str, commission: str, output: str | None = None, *, warehouse: Path, exports_dir: Path) -> Path:
    """Export the pair's approved outputs; returns the folder written. Raises ExportRefused."""
    today = dt.date.today()
    if not warehouse.is_file():
        raise ExportRefused(f"warehouse {warehouse} not found")
    folder = exports_dir / recipient_folder(recipient) / commission
    export_id = str(uuid.uuid4())
    with contextlib.ExitStack() as stack:
        con = stack.enter_context(duckdb.connect(str(warehouse), read_only=True))
        build = last_build(con)
        registers = {name: load_register(con, build.manifest, name) for name in REGISTERS}
        outputs = resolve_outputs(build.manifest, registers, recipient, commission, output, today)
        checked = [(item, *check_rows(con, item), built_by(con, build, item)) for item in outputs]
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f".{commission}-", dir=folder.parent)))
        written = _write_outputs(con, build, checked, staging, today)
        con.close()

        manifest_path = folder / "manifest.json"
        entries = {}
        if manifest_path.is_file():
            entries = {entry["model"]: entry for entry in json.loads(manifest_path.read_text()).get("outputs", [])}
        entries.update(written)
        (staging / "manifest.json").write_text(
            json.dumps(
                {
                    "recipient_type": recipient,
                    "commission_id": commission,
                    "export_id": export_id,
                    "exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    "approval_checked_on": today.isoformat(),
                    "dbt": {
                        "dbt_version": build.manifest["metadata"].get("dbt_version"),
                        "invocation_id": build.invocation_id,
                        "built_at": build.run_started_at,
                        "target": build.target_name,
                    },
                    "outputs": [entries[name] for name in sorted(entries)],
                },
                indent=2,
            )
            + "\n"
        )
        manifest_sha256 = _sha256(staging / "manifest.json")
        record_export(
            warehouse,
            [
                [
                    dt.datetime.now(dt.UTC),
                    export_id,
                    getpass.getuser(),
                    socket.gethostname(),
                    recipient,
                    commission,
                    entry["approval"]["approval_id"],
                    entry["model"],
                    entry["relation"],
                    build.invocation_id,
                    entry["rows"],
                    entry["files"]["csv"]["sha256"],
                    entry["files"]["parquet"]["sha256"],
                    manifest_sha256,
                    str(folder.resolve()),
                ]
                for entry in written.values()
            ],
        )
        folder.mkdir(exist_ok=True)
        for path in staging.iterdir():
            os.replace(path, folder / path.name)
    for entry in written.values():
        print(f"{entry['model']}: {entry['rows']} rows", file=sys.stderr)
    print(f"exported to {folder} (export {export_id}, recorded in {AUDIT_TABLE})", file=sys.stderr)
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m insight_hub.export", description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipient", required=True, help="recipient type, as the privacy notice words it")
    parser.add_argument("--commission", required=True, help="commission id (IH-YYYY-NNN)")
    parser.add_argument("--output", help="the mart (or its share_ model) to export; default every approved output")
    parser.add_argument(
        "--warehouse", type=Path, default=Path(os.environ.get("INSIGHT_HUB_WAREHOUSE", "warehouse/insight_hub.duckdb"))
    )
    parser.add_argument("--exports-dir", type=Path, default=Path("exports"))
    args = parser.parse_args(argv)
    try:
        folder = export(
            args.recipient, args.commission, args.output, warehouse=args.warehouse, exports_dir=args.exports_dir
        )
    except ExportRefused as refusal:
        print(f"export refused: {refusal}", file=sys.stderr)
        return 2
    print(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
