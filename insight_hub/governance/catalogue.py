"""Governance over what the warehouse really holds, checked after a build.

    python -m insight_hub.governance [--warehouse ...] [--target-path target]

The pre-build rules (insight_hub.governance.rules, run by the on-run-start
hook) check what the YAML declares and the graph; this module checks the
engine's catalogue and the compiled SQL, so a column nobody declared, or a
classification dropped by renaming a column, cannot pass:

- every relation in the warehouse (DuckDB's catalogue, every schema) is a
  model, seed, snapshot or source of the project, and every column it really
  has is declared in its YAML twin with a data_category and identifiability
  (on the column or as the model's default);
- classifications travel by column lineage: each model column's upstream
  columns come from its compiled SQL (sqlglot, one parse per model), and the
  column must declare at least the data categories and special categories
  of every upstream column whose value it carries. A value is not carried by
  a count, sum, average or other summary of it, by a test of it (a
  comparison, IS NULL, IN, a CASE or FILTER condition) or by a window's
  partition or order; a column of identifiability `aggregate` is excepted
  for values it aggregates (inside an aggregate function or as the group key
  of a grouped select), never for values it passes through. A Python model's
  lineage cannot be read from its code: each of its columns declares the
  upstream columns it carries in meta.derived_from (`<model>.<column>`, an
  empty list for a computed value that carries none);
- compiled SQL reads only relations of the project (no file read by a table
  function outside a source, no table that is not a node);
- a model for the public (meta.audience `public`, the dimensions service and
  partner dashboards may read) holds no counts of people: none of its columns
  counts or sums rows of a relation downstream of a commission's source.

Exits non-zero, listing every violation with its model and column.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.optimizer import build_scope, qualify
from sqlglot.optimizer.scope import Scope, find_all_in_scope
from sqlglot.schema import MappingSchema

from insight_hub.governance import manifest as m
from insight_hub.summary import default_warehouse

# Columns a landing read adds to the declared columns of its source (macro
# landing_rows: read_csv/read_parquet with filename=true; the excel_deliveries
# plugin's provenance columns). They carry no classification.
# keyed by a source's meta.format, which a source may leave out (None: no provenance columns)
PROVENANCE_COLUMNS: dict[str | None, tuple[str, ...]] = {
    "csv": ("filename",),
    "parquet": ("filename", "file_row_number"),
    "excel": ("delivery_file", "source_row_number"),
}
# The temporary tables DuckDB fills with the rows a read_csv(store_rejects=true)
# rejected; staging may read them (stg_landing__rejected_rows does: see
# vars.staging_table_models in dbt_project.yml).
DUCKDB_REJECT_TABLES = {"reject_errors", "reject_scans"}
# The pre-load check of deliveries reads each file's bytes (read_blob) before
# any source parses it, and keeps only sizes, counts, line numbers and a hash
# (models/staging/landing/stg_landing__delivery_checks.sql); no other model may
# read a file except through a source.
FILE_CHECK_MODELS = {"stg_landing__delivery_checks": "read_blob"}
SOURCE_CATALOG = "__source__"
# Aggregates that summarise values (a count, a total, a spread, a yes/no over
# the group) rather than return one of them.
SUMMARISING = (
    exp.Count,
    exp.CountIf,
    exp.ApproxDistinct,
    exp.Sum,
    exp.Avg,
    exp.Stddev,
    exp.StddevPop,
    exp.StddevSamp,
    exp.Variance,
    exp.VariancePop,
    exp.LogicalOr,
    exp.LogicalAnd,
    exp.Grouping,
)
RelationKey = tuple[str, str, str]


@dataclass(frozen=True)
class Upstream:
    """One upstream column of a model column, and how its value gets there."""

    relation: RelationKey
    column: str | None  # None: the rows of the relation (count(*))
    carried: bool  # the value itself reaches the column (not only a summary or a test of it)
    aggregated: bool  # an aggregate function or a group key lies on the way
    counted: bool  # a count, sum or other summary lies on the way


def _key(database: str | None, schema: str | None, name: str | None) -> RelationKey:
    return ((database or "").lower(), (schema or "").lower(), (name or "").lower())


def warehouse_catalogue(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, str, str]]:
    """(database, schema, relation, column, relation type) of every column the warehouse really holds."""
    return con.execute(
        "select columns.database_name, columns.schema_name, columns.table_name, columns.column_name, "
        "case when views.view_name is null then 'table' else 'view' end "
        "from duckdb_columns() as columns "
        "left join duckdb_views() as views on columns.database_name = views.database_name "
        "and columns.schema_name = views.schema_name and columns.table_name = views.view_name "
        "where columns.database_name = current_database() and not columns.internal "
        "order by 1, 2, 3, columns.column_index"
    ).fetchall()


def project_relations(manifest: dict) -> dict[RelationKey, dict]:
    """The warehouse relations the project makes or declares, by (database, schema, name)."""
    relations = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] in ("model", "seed", "snapshot") and node["config"].get("materialized") != "ephemeral":
            relations[_key(node["database"], node["schema"], node["alias"])] = node
    for source in manifest["sources"].values():
        if not m.meta(source).get("external_location") and not source.get("external"):
            relations[_key(source["database"], source["schema"], source["identifier"])] = source
    return relations


def catalogue_violations(manifest: dict, catalogue: Iterable[tuple[str, str, str, str, str]]) -> list[str]:
    """Relations that are not nodes of the project; columns not declared with their classification."""
    relations = project_relations(manifest)
    violations = []
    unknown = set()
    for database, schema, relation, column, _ in catalogue:
        resource = relations.get(_key(database, schema, relation))
        if resource is None:
            unknown.add(f"{schema}.{relation}")
            continue
        where = f"{m.label(resource)}, column {column}"
        if column.lower() not in m.columns_by_name(resource):
            violations.append(f"{where}: in the warehouse but not declared in its YAML twin")
            continue
        _, _, level = m.classification(resource, column)
        declared = m.column_meta(m.columns_by_name(resource)[column.lower()])
        if level is None or ("data_category" not in declared and m.meta(resource).get("data_category") is None):
            violations.append(
                f"{where}: declared without data_category and identifiability (on the column or as the model's default)"
            )
    violations += [
        f"warehouse relation {name}: not a model, seed, snapshot or source of the project" for name in sorted(unknown)
    ]
    return violations


def _lineage_schema(manifest: dict, catalogue: Iterable[tuple[str, str, str, str, str]]) -> MappingSchema:
    """Columns of every relation for sqlglot: the warehouse's own, and each
    source's declared columns under a placeholder name (its relation name in
    compiled SQL is a read_csv(...) call or an attached database)."""
    schema: dict[str, dict[str, dict[str, dict[str, str]]]] = {}
    for database, schema_name, relation, column, _ in catalogue:
        schema.setdefault(database, {}).setdefault(schema_name, {}).setdefault(relation, {})[column] = "VARCHAR"
    for source in manifest["sources"].values():
        provenance = PROVENANCE_COLUMNS.get(m.meta(source).get("format"), ())
        schema.setdefault(SOURCE_CATALOG, {}).setdefault(source["source_name"], {})[source["name"]] = {
            column: "VARCHAR" for column in [*source["columns"], *provenance]
        }
    # cast: sqlglot annotates the schema as dict[str, object], and dict is invariant, so the nested
    # dicts it documents (catalog -> database -> table -> column -> type) are refused without it
    return MappingSchema(cast(dict[str, object], schema), dialect="duckdb")


def _source_read(source: dict) -> re.Pattern[str]:
    """A source's read in compiled SQL: its relation name as dbt renders it, or (macro
    accepted_landing_relation) with its file pattern replaced by the list of accepted files."""
    relation = source["relation_name"]
    quoted = f"'{m.landing_glob(source)}'" if m.meta(source).get("external_location") else ""
    if quoted and quoted in relation:
        before, after = relation.split(quoted, 1)
        return re.compile(re.escape(before) + "(?:" + re.escape(quoted) + r"|\[[^\]]*\])" + re.escape(after))
    return re.compile(re.escape(relation))


def _placeholder(source: dict) -> str:
    return f'"{SOURCE_CATALOG}"."{source["source_name"]}"."{source["name"]}"'


def _role(column: exp.Expr, projection: exp.Expr) -> tuple[bool, bool, bool]:
    """(carried, aggregated, counted) for one occurrence of a column (or a subquery) in a projection."""
    carried, aggregated, counted = True, False, False
    node: exp.Expr = column
    while node is not projection and node.parent is not None:
        parent = node.parent
        if isinstance(parent, SUMMARISING):
            carried, counted = False, True
        if isinstance(parent, exp.AggFunc):
            aggregated = True
        if isinstance(parent, (exp.Predicate, exp.SubqueryPredicate)):
            carried = False
        if isinstance(parent, exp.If) and node is parent.args.get("this"):
            carried = False  # a CASE WHEN condition
        if isinstance(parent, exp.Filter) and node is not parent.this:
            carried = False  # FILTER (WHERE ...)
        if isinstance(parent, exp.Window) and node is not parent.this:
            carried = False  # PARTITION BY / ORDER BY
        node = parent
    return carried, aggregated, counted


class _Tracer:
    """Column lineage of one qualified query, memoised per scope and column."""

    def __init__(self) -> None:
        self.memo: dict[tuple[int, str], frozenset[Upstream]] = {}
        self.rows_memo: dict[int, frozenset[Upstream]] = {}

    def column(self, scope: Scope, name: str) -> frozenset[Upstream]:
        key = (id(scope), name)
        if key not in self.memo:
            self.memo[key] = frozenset()  # a recursive CTE refers to itself
            self.memo[key] = frozenset(self._trace(scope, name))
        return self.memo[key]

    def rows(self, scope: Scope) -> frozenset[Upstream]:
        """The relations whose rows a scope reads (what count(*) counts)."""
        if id(scope) not in self.rows_memo:
            found: set[Upstream] = set()
            sources = scope.set_operation_scopes or scope.sources.values()
            for source in sources:
                if isinstance(source, Scope):
                    found |= self.rows(source)
                elif isinstance(source, exp.Table):
                    found.add(Upstream(_key(source.catalog, source.db, source.name), None, False, True, True))
            self.rows_memo[id(scope)] = frozenset(found)
        return self.rows_memo[id(scope)]

    def _trace(self, scope: Scope, name: str) -> set[Upstream]:
        query = scope.expression
        if isinstance(query, exp.SetOperation):
            found: set[Upstream] = set()
            position = query.named_selects.index(name) if name in query.named_selects else None
            for branch in scope.set_operation_scopes:
                assert isinstance(branch.expression, exp.Selectable), "a branch of a set operation is a query"
                names = branch.expression.named_selects
                branch_name = name if query.args.get("by_name") or position is None else names[position]
                found |= self.column(branch, branch_name)
            return found
        if not isinstance(query, exp.Select):
            return set()
        projection = next((s for s in query.selects if s.alias_or_name == name), None)
        if projection is None:  # an unexpanded star: the column of that name in any source
            return {u for source in scope.sources.values() for u in self._resolve(scope, source, name)}
        grouped = query.args.get("group") is not None
        found = set()
        for column in find_all_in_scope(projection, exp.Column):
            carried, aggregated, counted = _role(column, projection)
            for upstream in self._column_source(scope, column):
                found.add(
                    Upstream(
                        upstream.relation,
                        upstream.column,
                        upstream.carried and carried,
                        upstream.aggregated or aggregated or grouped,
                        upstream.counted or counted,
                    )
                )
        for aggregate in projection.find_all(*SUMMARISING):
            if not any(True for _ in aggregate.find_all(exp.Column)):  # count(*)
                found |= self.rows(scope)
        subqueries = {id(s.expression): s for s in scope.subquery_scopes}
        for subquery in find_all_in_scope(projection, *exp.UNWRAPPED_QUERIES):
            inner = subqueries.get(id(subquery))
            if inner is None:
                continue
            carried, aggregated, counted = _role(subquery, projection)
            for inner_name in subquery.named_selects:
                for upstream in self.column(inner, inner_name):
                    found.add(
                        Upstream(
                            upstream.relation,
                            upstream.column,
                            upstream.carried and carried,
                            upstream.aggregated or aggregated or grouped,
                            upstream.counted or counted,
                        )
                    )
        return found

    def _column_source(self, scope: Scope, column: exp.Column) -> set[Upstream]:
        source = scope.sources.get(column.table)
        if source is not None:
            return self._resolve(scope, source, column.name)
        # a table function in FROM or JOIN (unnest(list) as u(v)): what it reads
        for udtf in scope.expression.find_all(exp.Unnest, exp.UDTF):
            if udtf.alias == column.table and udtf.alias:
                return {
                    u
                    for inner in udtf.find_all(exp.Column)
                    if inner is not column
                    for u in self._column_source(scope, inner)
                }
        return set()  # a lambda's parameter, a literal alias

    def _resolve(self, scope: Scope, source: Any, name: str) -> set[Upstream]:
        if isinstance(source, Scope):
            return set(self.column(source, name))
        if isinstance(source, exp.Table):
            return {Upstream(_key(source.catalog, source.db, source.name), name, True, False, False)}
        return set()


def _read_tables(root: Scope) -> list[exp.Table]:
    """Every physical table (or table function) a query reads."""
    return [source for scope in root.traverse() for source in scope.sources.values() if isinstance(source, exp.Table)]


@dataclass
class ModelLineage:
    columns: dict[str, frozenset[Upstream]]
    reads: list[exp.Table]


def model_lineage(node: dict, manifest: dict, schema: MappingSchema) -> ModelLineage:
    """Upstream columns of every output column of a SQL model, from one parse of its compiled SQL."""
    sql = node["compiled_code"]
    for parent in node["depends_on"]["nodes"]:
        if parent in manifest["sources"]:
            source = manifest["sources"][parent]
            sql = _source_read(source).sub(_placeholder(source).replace("\\", r"\\"), sql)
    expression = qualify.qualify(
        sqlglot.parse_one(sql, dialect="duckdb"),
        dialect="duckdb",
        schema=schema,
        validate_qualify_columns=False,
        quote_identifiers=False,
        identify=False,
    )
    root = build_scope(expression)
    if root is None:
        raise sqlglot.errors.SqlglotError("not a query")
    assert isinstance(expression, exp.Selectable), "a model's SQL is a query: it names its output columns"
    tracer = _Tracer()
    return ModelLineage({name: tracer.column(root, name) for name in expression.named_selects}, _read_tables(root))


def _python_lineage(node: dict, by_name: dict[str, dict]) -> tuple[dict[str, frozenset[Upstream]], list[str]]:
    """A Python model's lineage, as its columns declare it in meta.derived_from."""
    columns, violations = {}, []
    for name, column in node["columns"].items():
        declared = m.column_meta(column).get("derived_from")
        if declared is None:
            violations.append(
                f"model {node['name']}, column {name}: a Python model's column declares meta.derived_from "
                "(the upstream columns it carries, <model>.<column>), as its lineage cannot be read from code"
            )
            continue
        upstream = set()
        for reference in m.as_list(declared):
            model, _, upstream_column = str(reference).partition(".")
            parent = by_name.get(model)
            if parent is None or upstream_column.lower() not in m.columns_by_name(parent):
                violations.append(
                    f"model {node['name']}, column {name}: meta.derived_from names {reference}, "
                    "which is not a declared column of a model"
                )
                continue
            upstream.add(
                Upstream(
                    _key(parent["database"], parent["schema"], parent["alias"]), upstream_column, True, False, False
                )
            )
        columns[name.lower()] = frozenset(upstream)
    return columns, violations


def lineage_violations(manifest: dict, catalogue: list[tuple[str, str, str, str, str]]) -> tuple[list[str], float]:
    """Classification dropped along column lineage, relations read outside the
    project, and counts of people in public models; with the seconds lineage took."""
    started = time.perf_counter()
    relations = project_relations(manifest)
    for source in manifest["sources"].values():
        relations[_key(SOURCE_CATALOG, source["source_name"], source["name"])] = source
    reaches_commission = m.commissions_by_lineage(manifest)
    schema = _lineage_schema(manifest, catalogue)
    models = {uid: n for uid, n in manifest["nodes"].items() if n["resource_type"] == "model"}
    by_name = {n["name"]: n for n in models.values()}
    violations: list[str] = []
    for node in models.values():
        label = f"model {node['name']}"
        if node["language"] == "python":
            lineage, problems = _python_lineage(node, by_name)
            violations += problems
            reads: list[exp.Table] = []
        elif not node.get("compiled_code"):
            violations.append(
                f"{label}: no compiled SQL in the manifest; run the check after a full dbt build (or dbt compile)"
            )
            continue
        else:
            try:
                found = model_lineage(node, manifest, schema)
            except sqlglot.errors.SqlglotError as error:
                violations.append(
                    f"{label}: its compiled SQL cannot be read for lineage ({str(error).splitlines()[0]})"
                )
                continue
            lineage, reads = found.columns, found.reads
        for table in reads:
            if not isinstance(table.this, exp.Identifier):
                if isinstance(table.this, exp.Anonymous) and table.this.name.lower() == FILE_CHECK_MODELS.get(
                    node["name"]
                ):
                    continue
                violations.append(
                    f"{label}: reads {table.this.sql(dialect='duckdb')} directly; files are read only through sources"
                )
            elif _key(table.catalog, table.db, table.name) not in relations and not (
                m.layer(node) == "staging" and table.name.lower() in DUCKDB_REJECT_TABLES
            ):
                name = ".".join(part for part in (table.catalog, table.db, table.name) if part)
                violations.append(
                    f"{label}: reads {name}, which is not a model, seed, snapshot or source of the project"
                )
        is_public = m.meta(node).get("audience") == "public"
        for column, upstreams in sorted(lineage.items()):
            categories, specials, level = m.classification(node, column)
            where = f"{label}, column {column}"
            for upstream in sorted(upstreams, key=lambda u: (u.relation, u.column or "")):
                parent = relations.get(upstream.relation)
                if parent is None:
                    continue  # reported above as a relation outside the project
                if is_public and upstream.counted and reaches_commission.get(parent["unique_id"]):
                    violations.append(
                        f"{where}: counts rows of {parent['name']}, which holds people's records; "
                        "a public model holds no counts of people"
                    )
                if upstream.column is None or not upstream.carried or (level == "aggregate" and upstream.aggregated):
                    continue
                parent_categories, parent_specials, _ = m.classification(parent, upstream.column)
                missing = sorted(parent_categories - categories) + sorted(parent_specials - specials)
                if missing:
                    violations.append(
                        f"{where}: derives from {parent['name']}.{upstream.column}, classified "
                        f"{', '.join(missing)}, which it does not declare (classifications travel by column lineage)"
                    )
    return sorted(set(violations)), time.perf_counter() - started


def check(manifest: dict, warehouse: Path) -> tuple[list[str], float]:
    """Every violation of the catalogue and lineage rules on a built warehouse."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        catalogue = warehouse_catalogue(con)
    lineage, seconds = lineage_violations(manifest, catalogue)
    return catalogue_violations(manifest, catalogue) + lineage, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, default=default_warehouse())
    parser.add_argument("--target-path", type=Path, default=Path("target"))
    args = parser.parse_args(argv)
    manifest = m.load(args.target_path / "manifest.json")
    violations, seconds = check(manifest, args.warehouse)
    if violations:
        print(
            f"governance check of the warehouse FAILED ({len(violations)}):\n  - " + "\n  - ".join(violations),
            file=sys.stderr,
        )
        return 1
    print(
        f"governance check of the warehouse passed: every relation and column declared and classified, "
        f"classifications carried along column lineage ({seconds:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
