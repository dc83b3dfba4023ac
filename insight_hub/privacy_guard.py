"""Prove a built warehouse keeps the Hub's privacy promises, value by value.

    python -m insight_hub.privacy_guard [--warehouse ...] [--target-path target]

It opens the warehouse as the build does (the target's plugins from
profiles.yml, the in-memory landing database with the workbook deliveries
loaded by the build's own loader), so that the sources and the staging views
can be read, and then works in DuckDB:

- every identifier value of every person-level landing source (names, dates
  of birth, NHS numbers, postcodes, UPRNs, addresses, contact details, record
  and person references), in the forms normalisation could give it, goes
  into temporary tables with its unkeyed digests (md5, sha1 and sha256 hex,
  DuckDB's hash() and md5_number());
- every relation of every schema the project writes (tables and views,
  staging included; seeds are published vocabulary) is scanned to the leaves
  of its lists, arrays, structs, maps and unions: text leaves against the
  cleartext forms (case and spacing aside) and the hex digests, whole-number
  leaves (integers, and decimals or doubles holding whole numbers) against
  digits-only identifiers and the numeric digests. Published vocabulary (a
  surname that is also a ward, an ethnic group or a label the models' SQL
  writes, such as 'ward'; a code at least CODE_MIN_RECORDS records of a
  non-identifying landing column share) is exempt, and a short
  system reference (digits only, under LONG_NUMBER_DIGITS long) in a numeric
  column counts only when the column looks like references (at least half
  its distinct values are): a count of 189,365 rows is not person 189365;
- dates of birth are checked row by row, because event dates coincide with
  somebody's date of birth: in every relation carrying record_token (or a
  person_key the keyed spine maps to records), a date or timestamp leaf that
  equals the same record's landing date of birth on at least
  BIRTH_DATE_SHARE of the rows where both are known is a stored date of
  birth. The staging views give each record's token and provenance (file
  and row), the landing files its date of birth;
- no column outside staging is named like a cleartext direct identifier, and
  no mart holds a person-level key or token.

Exits non-zero, listing each leak, when a promise is broken.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import yaml
from dbt.adapters.duckdb.plugins import BasePlugin
from dbt.adapters.duckdb.utils import SourceConfig
from dbt.config.renderer import ProfileRenderer
from dbt_common.context import set_invocation_context
from duckdb.sqltypes import DuckDBPyType

from insight_hub.governance import manifest as m
from insight_hub.summary import default_warehouse

PROJECT_ROOT = m.PROJECT_ROOT
IDENTIFYING_ROLES = {
    "record_ref",
    "source_person_ref",
    "related_person_ref",
    "nhs_number",
    "forename",
    "middle_names",
    "surname",
    "full_name",
    "date_of_birth",
    "postcode",
    "uprn",
    "address_line",
    "contact_identifier",
}
SOURCE_SCHEMAS = ("staging", "landing")
VOCABULARY_SCHEMAS = ("reference", "governance")
# The layers that hold aggregates only: no person-level key or token may be stored there.
AGGREGATE_SCHEMAS = ("marts", "diagnostics", "disclosure", "sharing")
# Published geography read from the ONS sources: vocabulary like the seeds.
VOCABULARY_VIEWS = ("staging.stg_ons__wards", "staging.stg_ons__output_areas")
# A value of a non-identifying landing column (an attribute) that at least this
# many records share is a code of that column, like the seeds' vocabulary:
# never one person's identifier, even when it spells somebody's name.
CODE_MIN_RECORDS = 10
# Digits-only identifiers at least this long (NHS numbers, UPRNs, account
# numbers) are leaks wherever they appear; no count in a borough reaches them.
LONG_NUMBER_DIGITS = 8
# Share of a numeric column's distinct values that must be short references
# for the column to be taken for a column of references.
REFERENCE_COLUMN_SHARE = 0.5
# Share of a date column's rows (where it and the record's landing date of
# birth are both known) that must equal that date of birth for the column to
# be a stored date of birth. On the small test borough (scale 0.02) 1,425 of
# the spine's 5,531 distinct event dates are somebody's date of birth, so a
# test of the set would flag them all; row by row, an event date equals its
# own record's date of birth on 1 of 10,415 records (a birth recorded as an
# event), a stored date of birth on every one.
BIRTH_DATE_SHARE = 0.1
TEXT_TYPES = {"VARCHAR", "ENUM", "UUID"}
WHOLE_NUMBER_TYPES = {
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "UHUGEINT",
}
FRACTION_TYPES = {"DECIMAL", "FLOAT", "DOUBLE"}
DATE_TYPES = {"DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS"}
# The forms of a cleartext value an analyst or a normalisation could store:
# as delivered, upper and lower case, without spaces, normalised like a name
# (accents, apostrophes, full stops and hyphens removed), a compact postcode
# with its one space.
FORMS_SQL = """[
    value, upper(value), lower(value), regexp_replace(upper(value), '\\s+', '', 'g'),
    trim(regexp_replace(regexp_replace(upper(strip_accents(value)), '[''’`.\\-]', '', 'g'), '[^A-Z0-9]+', ' ', 'g')),
    regexp_replace(regexp_replace(upper(value), '\\s+', '', 'g'), '^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$', '\\1 \\2')
]"""


def _run(con: duckdb.DuckDBPyConnection, sql: str, parameters: list | None = None) -> None:
    """Execute a statement to completion (DuckDB 2 refuses new work while a result is unread)."""
    con.execute(sql, parameters or []).fetchall()


def _key_sql(value: str) -> str:
    """The matching key of a text value: upper case, no whitespace."""
    return f"upper(regexp_replace({value}, '\\s+', '', 'g'))"


def _roles(column: dict) -> set[str]:
    role = column.get("meta", {}).get("role")
    return set(role) if isinstance(role, list) else {role}


def _person_sources(manifest: dict) -> Iterator[dict]:
    for source in manifest["sources"].values():
        if m.meta(source).get("commission"):
            yield source


def _source_values_sql(source: dict, columns: list[str]) -> str:
    """A query of every value (as text, one row each) of the given columns of a landing source."""
    cells = ", ".join(f'cast("{c}" as varchar)' for c in columns)
    return f"select unnest([{cells}]) as value from {source['relation_name']}"


def guard_connection(warehouse: Path, manifest: dict, project_dir: Path = PROJECT_ROOT) -> duckdb.DuckDBPyConnection:
    """The warehouse, attached read-only under the name dbt gives it, on a
    connection set up as dbt's: the target's attached databases and plugins,
    and the workbook deliveries loaded."""
    set_invocation_context(os.environ)
    profile = ProfileRenderer({}).render_data(yaml.safe_load((project_dir / "profiles.yml").read_text()))
    output = profile["insight_hub"]["outputs"][os.environ.get("INSIGHT_HUB_TARGET", "demo")]
    database = next(n["database"] for n in manifest["nodes"].values() if n["resource_type"] == "model")
    con = duckdb.connect()
    _run(con, f"attach '{warehouse}' as \"{database}\" (read_only)")
    _run(con, f'use "{database}"')
    for attached in output.get("attach", []):
        _run(con, f"attach '{attached['path']}' as {attached['alias']}")
    plugins = {}
    for plugin in output.get("plugins", []):
        config = dict(plugin.get("config") or {})
        if plugin["module"].endswith(".pseudonymisation"):
            # the profile's paths are relative to the project, where dbt runs; the landing folder is
            # the one the build read (its sources' landing_dir), wherever this process's environment points
            config.setdefault("commissions_register", str(project_dir / "seeds/governance/commissions.csv"))
            for setting in ("allowed_directories", "allowed_paths"):
                config[setting] = [str(project_dir / path) for path in config.get(setting, [])]
            config["allowed_directories"] += sorted(
                {str(project_dir / m.meta(source)["landing_dir"]) for source in _person_sources(manifest)}
            )
        loaded = BasePlugin.create(plugin["module"], config=config)
        loaded.configure_connection(con)
        plugins[loaded.name] = loaded
    for source in _person_sources(manifest):
        meta = m.meta(source)
        if meta.get("plugin") and m.delivered(source):
            frame = plugins[meta["plugin"]].load(
                SourceConfig(
                    name=source["name"],
                    identifier=source["identifier"],
                    schema=source["schema"],
                    database=source["database"],
                    meta=meta,
                    tags=source.get("tags", []),
                )
            )
            con.register("workbook_rows", frame)
            _run(con, f"create table {source['relation_name']} as select * from workbook_rows")
            con.unregister("workbook_rows")
    return con


def accepted_deliveries_only(con: duckdb.DuckDBPyConnection, manifest: dict) -> dict:
    """The manifest with each CSV or Parquet person-level landing source reading only the files the
    build's pre-load check accepted (stg_landing__delivery_checks), by name, in the folder its
    pattern names, so a file set aside is never parsed here either; a source with no accepted
    file is left out."""
    checks = next(
        (
            n
            for n in manifest["nodes"].values()
            if n["resource_type"] == "model" and n["name"] == "stg_landing__delivery_checks"
        ),
        None,
    )
    if checks is None:
        return manifest
    try:
        rows = con.execute(
            f"select service_code, source_table, list(delivery_file order by delivery_sequence) from {checks['relation_name']} "
            "where delivery_status = 'accepted' group by all"
        ).fetchall()
    except duckdb.CatalogException:
        return manifest  # a warehouse built before the check existed
    accepted = {(service, table): paths for service, table, paths in rows}
    sources = {}
    for unique_id, source in manifest["sources"].items():
        if m.meta(source).get("commission") and m.meta(source).get("format") in ("csv", "parquet"):
            names = accepted.get((source["source_name"], source["name"]))
            if not names:
                continue
            # the accepted files by name, in the folder the source's pattern names now
            folder = Path(m.landing_glob(source)).parent
            listed = "[" + ", ".join("'" + str(folder / name).replace("'", "''") + "'" for name in names) + "]"
            source = {**source, "relation_name": source["relation_name"].replace(f"'{m.landing_glob(source)}'", listed)}
        sources[unique_id] = source
    return {**manifest, "sources": sources}


def load_identifiers(con: duckdb.DuckDBPyConnection, manifest: dict) -> int:
    """Fill the temporary tables guarded_text (key, kind), guarded_digests and
    guarded_numbers with the landing identifier values; return how many
    distinct values were loaded."""
    selects = []
    for source in _person_sources(manifest):
        columns = [name for name, column in source["columns"].items() if _roles(column) & IDENTIFYING_ROLES]
        if columns and m.delivered(source):
            selects.append(_source_values_sql(source, columns))
    _run(
        con,
        f"""
        create or replace temp table landing_values as
        select distinct trim(value) as value from ({" union all ".join(selects)}) where trim(value) <> ''
    """,
    )
    _run(
        con,
        f"""
        create or replace temp table landing_forms as
        select distinct form from (select unnest({FORMS_SQL}) as form from landing_values) where form <> ''
    """,
    )
    _run(
        con,
        f"""
        create or replace temp table guarded_text as
        select distinct {_key_sql("form")} as key, 'cleartext' as kind from landing_forms where length(form) >= 3
        union all
        select distinct cast(hash(form) as varchar), 'hash' from landing_forms
    """,
    )
    _run(
        con,
        """
        create or replace temp table guarded_digests as
        select distinct unnest([hash(md5(form)), hash(sha1(form)), hash(sha256(form))]) as digest from landing_forms
    """,
    )
    _run(
        con,
        """
        create or replace temp table guarded_numbers as
        select distinct cast(ltrim(form, '0') as uhugeint) as number, length(ltrim(form, '0')) < ? as is_short
        from landing_forms where regexp_full_match(form, '0*[1-9][0-9]{0,37}')
        union all
        select distinct unnest([cast(hash(form) as uhugeint), md5_number(form)]), false from landing_forms
    """,
        [LONG_NUMBER_DIGITS],
    )
    return con.execute("select count(*) from landing_values").fetchall()[0][0]


def _relations(con: duckdb.DuckDBPyConnection, manifest: dict) -> list[tuple[str, str]]:
    """(schema, name) of every relation in the warehouse but the seeds."""
    seeds = {(n["schema"], n["alias"]) for n in manifest["nodes"].values() if n["resource_type"] == "seed"}
    found = con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = current_database() and not internal "
        "union select schema_name, view_name from duckdb_views() where database_name = current_database() and not internal "
        "order by 1, 2"
    ).fetchall()
    return [relation for relation in found if relation not in seeds]


def _leaves(query: str, path: str, dtype: DuckDBPyType | int | list[str], carry: str) -> Iterator[tuple[str, str, str]]:
    """(path, query giving the leaf as column v, kind) for every scalar leaf of a
    value; `carry` names columns every query keeps beside v (e.g. "k, ").

    `dtype` is typed as DuckDBPyType.children types a child (an int for an array's
    size or a decimal's precision, a list for an enum's values); the children this
    function recurses into (list, array and map elements, struct and union members) are types."""
    assert isinstance(dtype, DuckDBPyType), f"{path}: {dtype!r} is not a type"
    kind = dtype.id.upper()
    if kind in ("LIST", "ARRAY"):
        yield from _leaves(
            f"select {carry}unnest(v) as v from ({query})", f"{path}[]", dict(dtype.children)["child"], carry
        )
    elif kind == "STRUCT":
        for name, child in dtype.children:
            yield from _leaves(f'select {carry}v."{name}" as v from ({query})', f"{path}.{name}", child, carry)
    elif kind == "MAP":
        children = dict(dtype.children)
        yield from _leaves(
            f"select {carry}unnest(map_keys(v)) as v from ({query})", f"{path}{{key}}", children["key"], carry
        )
        yield from _leaves(
            f"select {carry}unnest(map_values(v)) as v from ({query})", f"{path}{{value}}", children["value"], carry
        )
    elif kind == "UNION":
        for name, child in dtype.children:
            yield from _leaves(
                f"select {carry}union_extract(v, '{name}') as v from ({query})", f"{path}.{name}", child, carry
            )
    elif kind in TEXT_TYPES:
        yield path, query, "text"
    elif kind in WHOLE_NUMBER_TYPES or kind in FRACTION_TYPES:
        yield path, query, "number"
    elif kind in DATE_TYPES:
        yield path, query, "date"


def _relation_leaves(con: duckdb.DuckDBPyConnection, source: str, key: str | None = None) -> list[tuple[str, str, str]]:
    """The scalar leaves of every column of a relation (SQL name `source`);
    with a key column, each leaf query keeps it as k."""
    described = con.sql(f"select * from {source} limit 0")
    carry = "k, " if key else ""
    base = f'"{key}" as k, ' if key else ""
    leaves: list[tuple[str, str, str]] = []
    for column, dtype in zip(described.columns, described.types, strict=True):
        leaves += _leaves(f'select {base}"{column}" as v from {source}', column, dtype, carry)
    return leaves


def _union(leaves: list[tuple[str, str, str]], kind: str, value: str) -> str:
    parts = [f"select '{path}' as leaf, {value} as value from ({query})" for path, query, k in leaves if k == kind]
    return " union all ".join(parts)


def _exempt_vocabulary(con: duckdb.DuckDBPyConnection, manifest: dict) -> None:
    """Drop published vocabulary from the guarded cleartext: the seeds' and the
    ONS views' values, the string literals of the models' own SQL (a
    label such as 'ward' that a surname happens to spell), and the codes of
    the extracts' own non-identifying columns (a payment method CASH that is
    also somebody's surname, a school's URN that is also a record number):
    values at least CODE_MIN_RECORDS records share."""
    literals = sorted(
        {
            literal
            for node in manifest["nodes"].values()
            if node["resource_type"] == "model"
            for literal in re.findall(r"'([^']*)'", node.get("compiled_code") or "")
        }
    )
    _run(
        con,
        f"delete from guarded_text where kind = 'cleartext' and key in (select {_key_sql('unnest(?)')})",
        [literals],
    )
    for source in _person_sources(manifest):
        codes = [name for name, column in source["columns"].items() if not _roles(column) & IDENTIFYING_ROLES]
        if codes and m.delivered(source):
            _run(
                con,
                f"""
                delete from guarded_text where kind = 'cleartext' and key in (
                    select {_key_sql("value")} from ({_source_values_sql(source, codes)})
                    where value is not null group by value having count(*) >= {CODE_MIN_RECORDS}
                )
            """,
            )
    vocabulary = [f'"{n["schema"]}"."{n["alias"]}"' for n in manifest["nodes"].values() if n["resource_type"] == "seed"]
    vocabulary += list(VOCABULARY_VIEWS)
    for relation in vocabulary:
        leaves = [leaf for leaf in _relation_leaves(con, relation) if leaf[2] == "text"]
        if leaves:
            _run(
                con,
                f"""
                delete from guarded_text where kind = 'cleartext' and key in (
                    select {_key_sql("value")} from ({_union(leaves, "text", "cast(v as varchar)")})
                )
            """,
            )


def _value_leaks(con: duckdb.DuckDBPyConnection, label: str, source: str) -> list[str]:
    """Leaves of one relation holding a landing identifier value or its unkeyed digest."""
    leaves = _relation_leaves(con, source)
    kinds = {kind for _, _, kind in leaves}
    checks, found = [], []
    if "text" in kinds:
        checks.append(f"""
            text_values as (select distinct leaf, value from ({_union(leaves, "text", "cast(v as varchar)")}) where value is not null),
            text_found as (
                select leaf, value from text_values where {_key_sql("value")} in (select key from guarded_text)
                union
                select leaf, value from text_values
                where regexp_full_match(lower(value), '[0-9a-f]{{32}}|[0-9a-f]{{40}}|[0-9a-f]{{64}}')
                    and hash(lower(value)) in (select digest from guarded_digests)
            )""")
        found.append("select * from text_found")
    if "number" in kinds:
        whole = "case when v >= 0 and v = trunc(v) then try_cast(v as uhugeint) end"
        checks.append(f"""
            number_values as (select distinct leaf, value from ({_union(leaves, "number", whole)}) where value is not null),
            number_matches as (
                select number_values.leaf, number_values.value, guarded_numbers.is_short
                from number_values inner join guarded_numbers on number_values.value = guarded_numbers.number
            ),
            number_found as (
                select number_matches.leaf, cast(number_matches.value as varchar) as value
                from number_matches
                where not number_matches.is_short or number_matches.leaf in (
                    select matches.leaf from number_matches as matches where matches.is_short group by matches.leaf
                    having count(*) >= {REFERENCE_COLUMN_SHARE} * (
                        select count(*) from number_values where number_values.leaf = matches.leaf
                    )
                )
            )""")
        found.append("select * from number_found")
    if not checks:
        return []
    rows = con.execute(f"""
        with {", ".join(checks)}
        select leaf, count(distinct value), list(distinct value order by value)[1:3]
        from ({" union all ".join(found)}) group by leaf order by leaf
    """).fetchall()
    return [f"{label}.{leaf}: {count} values, e.g. {examples}" for leaf, count, examples in rows]


def _landing_birth_dates(manifest: dict, fallback_formats: list[str]) -> str:
    """SQL of (record_token, birth_date) for every delivered record with a
    date of birth: the staging view's token and provenance joined to the
    landing file's row (numbered as macro landing_rows numbers it)."""
    selects = []
    models = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    for source in _person_sources(manifest):
        birth = [c for c in source["columns"].values() if "date_of_birth" in _roles(c)]
        staging = models.get(f"stg_{source['source_name']}__{source['name']}")
        if not birth or staging is None or not m.delivered(source):
            continue
        meta = m.meta(source)
        formats = birth[0].get("meta", {}).get("formats") or meta["date_formats"] + fallback_formats
        rows = {
            "csv": f"select parse_filename(filename) as delivery_file, ordinality - min(ordinality) over (partition by filename) + 1 "
            f'as source_row_number, "{birth[0]["name"]}" as birth_text from {source["relation_name"]} with ordinality',
            "parquet": f"select parse_filename(filename) as delivery_file, file_row_number + 1 as source_row_number, "
            f'"{birth[0]["name"]}" as birth_text from {source["relation_name"]}',
            "excel": f'select delivery_file, source_row_number, "{birth[0]["name"]}" as birth_text from {source["relation_name"]}',
        }[meta["format"]]
        selects.append(f"""
            select staged.record_token, landing.birth_date, landing.delivery_file is null as is_unmatched
            from {staging["relation_name"]} as staged
            left join (
                select delivery_file, source_row_number,
                    cast(try_strptime(trim(cast(birth_text as varchar)), {formats!r}) as date) as birth_date
                from ({rows})
            ) as landing
                on staged.delivery_file = landing.delivery_file and staged.source_row_number = landing.source_row_number
        """)
    return " union all ".join(selects)


def load_birth_dates(con: duckdb.DuckDBPyConnection, manifest: dict, fallback_formats: list[str]) -> list[str]:
    """Fill record_birth_dates (record_token, birth_date) and person_birth_dates
    (person_key, birth_date, through every relation holding both keys); return
    the problems that would make the row-level check blind."""
    landing = _landing_birth_dates(manifest, fallback_formats)
    if not landing:
        return []
    _run(con, f"create or replace temp table record_birth_dates as {landing}")
    (unmatched,) = con.execute("select count(*) from record_birth_dates where is_unmatched").fetchall()[0]
    keyed = _keyed_relations(con)
    _run(con, "create or replace temp table person_birth_dates (person_key varchar, birth_date date)")
    for schema, name, keys in keyed:
        if set(keys) == {"record_token", "person_key"}:
            _run(
                con,
                f"""
                insert into person_birth_dates
                select distinct bridge.person_key, record_birth_dates.birth_date
                from "{schema}"."{name}" as bridge inner join record_birth_dates using (record_token)
                where record_birth_dates.birth_date is not null
            """,
            )
    problems = (
        [f"landing dates of birth: {unmatched} staging rows found no landing row (file and row)"] if unmatched else []
    )
    stored = [
        f'select record_token from "{schema}"."{name}"'
        for schema, name, keys in keyed
        if "record_token" in keys and schema != "staging"
    ]
    if (
        stored
        and not con.execute(
            f"select count(*) from ({' union all '.join(stored)}) where record_token in "
            "(select record_token from record_birth_dates)"
        ).fetchall()[0][0]
    ):
        problems.append(
            "landing dates of birth: no stored record token equals a staging view's token; "
            "run the guard with the build's master key (DBT_ENV_SECRET_INSIGHT_HUB_MASTER_KEY) and target"
        )
    return problems


def _keyed_relations(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, list[str]]]:
    """(schema, name, key columns) of the relations carrying record_token or person_key."""
    return con.execute(
        "select schema_name, table_name, list(column_name order by column_name) from duckdb_columns() "
        "where database_name = current_database() and column_name in ('record_token', 'person_key') "
        "group by 1, 2 order by 1, 2"
    ).fetchall()


def _birth_date_leaks(con: duckdb.DuckDBPyConnection, label: str, source: str, key: str) -> list[str]:
    """Date leaves of one relation that hold each record's (or person's) landing date of birth."""
    dates = [leaf for leaf in _relation_leaves(con, source, key) if leaf[2] == "date"]
    if not dates:
        return []
    births = "record_birth_dates" if key == "record_token" else "person_birth_dates"
    parts = [f"select '{path}' as leaf, k, cast(v as date) as value from ({query})" for path, query, _ in dates]
    rows = con.execute(f"""
        with dated as ({" union all ".join(parts)}),
        compared as (
            select dated.leaf, bool_or(dated.value = births.birth_date) as is_birth_date
            from dated inner join {births} as births on dated.k = births.{key}
            where dated.value is not null and births.birth_date is not null
            group by dated.leaf, dated.k, dated.value
        )
        select leaf, count(*) filter (where is_birth_date), count(*)
        from compared group by leaf order by leaf
    """).fetchall()
    return [
        f"{label}.{leaf}: holds the date of birth of {matched} of {compared} records or people"
        for leaf, matched, compared in rows
        if matched and matched >= BIRTH_DATE_SHARE * compared
    ]


def scan(con: duckdb.DuckDBPyConnection, manifest: dict, fallback_formats: list[str]) -> list[str]:
    """Every value leak and stored date of birth in the warehouse's relations
    (after load_identifiers); a view is computed once, into a temporary table."""
    _exempt_vocabulary(con, manifest)
    leaks = load_birth_dates(con, manifest, fallback_formats)
    views = {
        (schema, name)
        for schema, name in con.execute(
            "select schema_name, view_name from duckdb_views() where database_name = current_database()"
        ).fetchall()
    }
    keys = {(schema, name): columns for schema, name, columns in _keyed_relations(con)}
    for schema, name in _relations(con, manifest):
        source = f'"{schema}"."{name}"'
        if (schema, name) in views:
            _run(con, f"create or replace temp table scanned_view as select * from {source}")
            source = "scanned_view"
        leaks += _value_leaks(con, f"{schema}.{name}", source)
        if (schema, name) in keys:
            key = "record_token" if "record_token" in keys[schema, name] else "person_key"
            leaks += _birth_date_leaks(con, f"{schema}.{name}", source, key)
    return leaks


def column_leaks(warehouse: Path, project_dir: Path = PROJECT_ROOT) -> list[str]:
    """Columns outside staging named like a cleartext identifier; keys or tokens in an aggregate layer."""
    pattern = re.compile(m.project_vars(project_dir)["direct_identifier_column_pattern"])
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_schema not in (select unnest(?))",
            [list(SOURCE_SCHEMAS + VOCABULARY_SCHEMAS)],
        ).fetchall()
    leaks = [f"{s}.{t}.{c}: named like a direct identifier" for s, t, c in columns if pattern.fullmatch(c.lower())]
    leaks += [
        f"{s}.{t}.{c}: a person-level key in an aggregate"
        for s, t, c in columns
        if s in AGGREGATE_SCHEMAS and (c.endswith("_token") or c.endswith("_key"))
    ]
    return leaks


def check(warehouse: Path, manifest: dict, project_dir: Path = PROJECT_ROOT) -> tuple[int, list[str]]:
    """(identifier values loaded, every leak) of a built warehouse."""
    with guard_connection(warehouse, manifest, project_dir) as con:
        manifest = accepted_deliveries_only(con, manifest)
        values = load_identifiers(con, manifest)
        leaks = scan(con, manifest, m.project_vars(project_dir)["fallback_date_formats"])
    return values, leaks + column_leaks(warehouse, project_dir)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, default=default_warehouse())
    parser.add_argument("--target-path", type=Path, default=Path("target"))
    args = parser.parse_args(argv)
    manifest = m.load(args.target_path / "manifest.json")
    values, leaks = check(args.warehouse, manifest)
    print(
        f"checked {values:,} identifier values from the landing files, their forms and unkeyed digests, "
        "against every relation of the warehouse"
    )
    if leaks:
        print("privacy guard FAILED:\n  " + "\n  ".join(leaks), file=sys.stderr)
        return 1
    print(
        "privacy guard passed: no identifier value, digest or date of birth stored, no identifier column outside "
        "staging, no person key in a mart"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
