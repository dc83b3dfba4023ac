"""Publish what dashboards read: write, audit, then switch into place atomically.

    python -m insight_hub.publish [--warehouse warehouse/insight_hub.duckdb] [--published-dir published]
        [--min-ratio 0.5] [--max-ratio 2.0] [--accept-row-changes]

Run after a `dbt build` that passed. For each audience of the dashboards in
models/_exposures.yml (exposures of type dashboard, meta.audience) it writes
the models those dashboards depend on into a NEW DuckDB file beside the
published one, under the warehouse's schema and table names:

- services (service managers, commissioners, partners): published/services.duckdb,
  the sharing models' rows for the council's own dashboards (recipient
  ``Council services (all)``, --recipient) and the dimensions;
- hub_analysts (the Hub's own analysts): published/hub_analysts.duckdb.

Every published table carries ``build_id`` (the dbt invocation id of the build
the warehouse records in audit.dbt_invocations) and ``built_at`` (when that
build started); ``main.published_build`` holds one row (build id, built at,
published at, audience) and ``main.published_tables`` the tables and their rows.

The new file is then audited, read-only, and only if every check passes is it
renamed over the published file (``os.replace``: readers with the old file
open keep it, new connections see the new one; nobody sees a partial file):

- every published relation was built by the last recorded build (export.built_by);
- every published model is an aggregate (meta identifiability aggregate or
  none); a services file holds only sharing models and dimensions
  (meta audience approved_recipients or public);
- no column is named like a direct identifier or is a person-level key or
  token (privacy_guard.column_leaks, the rule the warehouse is held to);
- every count of a sharing model keeps its disclosure rule (export.disclosure_breaches,
  the export's own last check);
- every table's rows are within [min-ratio, max-ratio] of the same table in
  the file it replaces, and no table it held is missing
  (--accept-row-changes skips this once, e.g. after a deliberate change).

A failed audit publishes nothing: the temporary file is removed and the
previous published file stays as it was. Exit status: 0 published, 1 audit
failed, 2 refused (no build record, a model the last build did not build).
Dashboards open the published file read-only with short connections
(``insight_hub.publish.read``); they never touch the warehouse.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from insight_hub import export, privacy_guard
from insight_hub.governance import manifest as m
from insight_hub.summary import default_warehouse

PROJECT_ROOT = m.PROJECT_ROOT
DEFAULT_PUBLISHED_DIR = Path("published")
COUNCIL_RECIPIENT = "Council services (all)"
# audiences of exposures that may read only disclosure-controlled models (models/_exposures.yml)
CONTROLLED_AUDIENCES = ("services", "partners")
CONTROLLED_NODE_AUDIENCES = {"approved_recipients", "public"}
AGGREGATE_LEVELS = {"aggregate", "none"}
BUILD_COLUMNS = ("build_id", "built_at")


class PublishRefused(Exception):
    """The build cannot be published at all (exit 2)."""


class AuditFailed(Exception):
    """The new file failed its audit (exit 1); the message lists each failure."""


@dataclass
class Audience:
    """One published file: the models the audience's dashboards read."""

    name: str
    models: list[dict[str, Any]] = field(default_factory=list)

    @property
    def is_controlled(self) -> bool:
        return self.name in CONTROLLED_AUDIENCES

    def file(self, published_dir: Path) -> Path:
        return published_dir / f"{self.name}.duckdb"


def audiences(manifest: dict[str, Any]) -> list[Audience]:
    """Per audience (partners read with services: one disclosure-controlled file), the models its dashboards read."""
    found: dict[str, Audience] = {}
    for exposure in sorted(manifest["exposures"].values(), key=lambda e: e["name"]):
        if exposure["type"] != "dashboard":
            continue
        meta = exposure.get("meta") or exposure.get("config", {}).get("meta", {})
        name = meta.get("audience") or "hub_analysts"
        name = "services" if name in CONTROLLED_AUDIENCES else name
        audience = found.setdefault(name, Audience(name))
        for unique_id in exposure["depends_on"]["nodes"]:
            node = manifest["nodes"][unique_id]
            if node not in audience.models:
                audience.models.append(node)
    for audience in found.values():
        audience.models.sort(key=lambda n: n["name"])
    return [found[name] for name in sorted(found)]


def _relation(node: dict[str, Any]) -> tuple[str, str]:
    return node["schema"], node.get("alias") or node["name"]


def _is_share(node: dict[str, Any]) -> bool:
    return node["name"].startswith(export.SHARING_PREFIX)


def write(warehouse: Path, target: Path, audience: Audience, build: export.Build, recipient: str) -> dict[str, int]:
    """Write the audience's models from the warehouse into a new file `target`; returns rows per table."""
    rows: dict[str, int] = {}
    published_at = dt.datetime.now(dt.UTC)
    with duckdb.connect() as con:
        con.execute(f"attach '{warehouse}' as warehouse (read_only)")
        con.execute(f"attach '{target}' as published")
        for node in audience.models:
            schema, name = _relation(node)
            columns = [
                c
                for (c,) in con.execute(
                    "select column_name from duckdb_columns() where database_name = 'warehouse' "
                    "and schema_name = ? and table_name = ?",
                    [schema, name],
                ).fetchall()
            ]
            if not columns:
                raise PublishRefused(f"{schema}.{name} is not in the warehouse: build it (dbt build)")
            clash = set(columns) & set(BUILD_COLUMNS)
            if clash:
                raise PublishRefused(f"{schema}.{name} already has columns {sorted(clash)}")
            where, params = "", []
            if audience.is_controlled and _is_share(node):
                where, params = "where recipient_type = ?", [recipient]
            con.execute(f'create schema if not exists published."{schema}"')
            con.execute(
                f'create table published."{schema}"."{name}" as '
                f"select *, cast(? as varchar) as build_id, cast(? as timestamptz) as built_at "
                f'from warehouse."{schema}"."{name}" {where}',
                [build.invocation_id, build.run_started_at, *params],
            )
            counted = con.execute(f'select count(*) from published."{schema}"."{name}"').fetchone()
            rows[f"{schema}.{name}"] = counted[0] if counted else 0
        con.execute(
            "create table published.main.published_build as select cast(? as varchar) as build_id, "
            "cast(? as timestamptz) as built_at, cast(? as timestamptz) as published_at, "
            "cast(? as varchar) as audience, cast(? as varchar) as dbt_target",
            [build.invocation_id, build.run_started_at, published_at, audience.name, build.target_name],
        )
        con.execute(
            "create table published.main.published_tables (table_schema varchar, table_name varchar, row_count bigint)"
        )
        for relation, count in rows.items():
            schema, name = relation.split(".", 1)
            con.execute("insert into published.main.published_tables values (?, ?, ?)", [schema, name, count])
        con.execute("checkpoint published")
        con.execute("detach published")
    return rows


def previous_rows(published: Path) -> dict[str, int] | None:
    """Rows per table of the file now published, or None when there is none."""
    if not published.is_file():
        return None
    with duckdb.connect(str(published), read_only=True) as con:
        return {
            f"{schema}.{name}": count
            for schema, name, count in con.execute(
                "select table_schema, table_name, row_count from main.published_tables"
            ).fetchall()
        }


def audit(
    candidate: Path,
    audience: Audience,
    rows: dict[str, int],
    previous: dict[str, int] | None,
    *,
    min_ratio: float,
    max_ratio: float,
    project_dir: Path = PROJECT_ROOT,
) -> list[str]:
    """Every reason the candidate file may not be published (empty: it may)."""
    failures: list[str] = []
    for node in audience.models:
        meta = node.get("config", {}).get("meta", {}) or node.get("meta", {})
        if meta.get("identifiability") not in AGGREGATE_LEVELS:
            failures.append(f"{node['name']}: identifiability {meta.get('identifiability')!r}, not an aggregate")
        if audience.is_controlled and meta.get("audience") not in CONTROLLED_NODE_AUDIENCES:
            failures.append(f"{node['name']}: audience {meta.get('audience')!r} may not be shown to services")
    failures += privacy_guard.column_leaks(candidate, project_dir)
    with duckdb.connect(str(candidate), read_only=True) as con:
        builds = con.execute("select count(distinct build_id), count(*) from main.published_build").fetchone()
        if builds != (1, 1):
            failures.append(f"main.published_build holds {builds} builds and rows, not one")
        for node in audience.models:
            if _is_share(node):
                schema, name = _relation(node)
                failures += export.disclosure_breaches(con, f'"{schema}"."{name}"')
    if previous is not None:
        for relation, before in sorted(previous.items()):
            now = rows.get(relation)
            if now is None:
                failures.append(f"{relation}: published before ({before} rows), missing now")
            elif before and not min_ratio <= now / before <= max_ratio:
                failures.append(
                    f"{relation}: {now} rows against {before} published before "
                    f"(ratio {now / before:.2f} outside {min_ratio}-{max_ratio})"
                )
            elif not before and now:
                continue
    return failures


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(
    warehouse: Path,
    published_dir: Path,
    *,
    min_ratio: float = 0.5,
    max_ratio: float = 2.0,
    accept_row_changes: bool = False,
    recipient: str = COUNCIL_RECIPIENT,
    project_dir: Path = PROJECT_ROOT,
) -> dict[str, dict[str, Any]]:
    """Write and audit every audience's file, then replace the published ones; nothing is replaced
    unless every audience's file passes. Returns, per audience, its file, build id and rows."""
    published_dir.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        try:
            build = export.last_build(con)
        except export.ExportRefused as refused:
            raise PublishRefused(str(refused)) from refused
        chosen = audiences(build.manifest)
        for audience in chosen:
            for node in audience.models:
                try:
                    export.built_by(
                        con, build, export.Output(node["name"], node["name"], node["relation_name"], node, {})
                    )
                except export.ExportRefused as refused:
                    raise PublishRefused(str(refused)) from refused
    candidates: dict[str, tuple[Path, dict[str, int]]] = {}
    try:
        failures: list[str] = []
        for audience in chosen:
            final = audience.file(published_dir)
            candidate = published_dir / f".{final.name}.{os.getpid()}.new"
            candidate.unlink(missing_ok=True)
            rows = write(warehouse, candidate, audience, build, recipient)
            candidates[audience.name] = (candidate, rows)
            previous = None if accept_row_changes else previous_rows(final)
            failures += [
                f"{audience.name}: {failure}"
                for failure in audit(
                    candidate,
                    audience,
                    rows,
                    previous,
                    min_ratio=min_ratio,
                    max_ratio=max_ratio,
                    project_dir=project_dir,
                )
            ]
        if failures:
            raise AuditFailed("\n".join(failures))
        result = {}
        for audience in chosen:
            candidate, rows = candidates.pop(audience.name)
            _fsync(candidate)
            os.replace(candidate, audience.file(published_dir))
            result[audience.name] = {
                "file": str(audience.file(published_dir)),
                "build_id": build.invocation_id,
                "rows": sum(rows.values()),
                "tables": len(rows),
            }
        _fsync(published_dir)
        return result
    finally:
        for candidate, _ in candidates.values():
            candidate.unlink(missing_ok=True)
            Path(f"{candidate}.wal").unlink(missing_ok=True)


@contextlib.contextmanager
def connect(
    audience: str = "services", published_dir: Path = DEFAULT_PUBLISHED_DIR
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short read-only connection to a published file, as a dashboard opens it: keep it for one
    page's queries, then close it, so the next one sees the newest published build."""
    con = duckdb.connect(str(published_dir / f"{audience}.duckdb"), read_only=True)
    try:
        yield con
    finally:
        con.close()


def read(sql: str, parameters: list[Any] | None = None, **where: Any) -> list[tuple[Any, ...]]:
    """Run one query on a published file and close the connection."""
    with connect(**where) as con:
        return con.execute(sql, parameters or []).fetchall()


def default_published_dir() -> Path:
    return Path(os.environ.get("INSIGHT_HUB_PUBLISHED", str(DEFAULT_PUBLISHED_DIR)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m insight_hub.publish", description=__doc__.split("\n\n")[0])
    parser.add_argument("--warehouse", type=Path, default=default_warehouse())
    parser.add_argument("--published-dir", type=Path, default=default_published_dir())
    parser.add_argument(
        "--min-ratio", type=float, default=0.5, help="least rows per table against the last published file"
    )
    parser.add_argument(
        "--max-ratio", type=float, default=2.0, help="most rows per table against the last published file"
    )
    parser.add_argument("--accept-row-changes", action="store_true", help="skip the row-count comparison (once)")
    parser.add_argument("--recipient", default=COUNCIL_RECIPIENT, help="whose share rows the services file holds")
    args = parser.parse_args(argv)
    try:
        result = publish(
            args.warehouse,
            args.published_dir,
            min_ratio=args.min_ratio,
            max_ratio=args.max_ratio,
            accept_row_changes=args.accept_row_changes,
            recipient=args.recipient,
        )
    except PublishRefused as refused:
        print(f"publish refused: {refused}", file=sys.stderr)
        return 2
    except AuditFailed as failed:
        print(
            f"publish audit FAILED, nothing published (the previous file stays):\n  {str(failed).replace(chr(10), chr(10) + '  ')}",
            file=sys.stderr,
        )
        return 1
    for name, published in result.items():
        print(
            f"published {published['file']}: build {published['build_id']}, {published['tables']} tables, {published['rows']:,} rows ({name})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
