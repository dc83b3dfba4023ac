"""Data minimisation on the person-level spine, attacked as an outsider would.

Rules guarded (issue 10, item 6):
- no person-level model a mart reads holds an output area, a postcode
  district, a date or year of birth, an exact age or a GP practice code, and
  every date it holds is a month;
- an outsider with a local list of the borough's people (their LSOA, year of
  birth, sex and ethnic group: the ground truth) who joins it to what those
  models hold in clear re-identifies fewer people than the same attack on the
  linkage's spine (int_person_records__geocoded, which keeps the year of
  birth the linkage compares and no mart reads);
- quasi_identifier_k_anonymity reports the figures computed here from the
  models themselves, for every quasi-identifier they hold;
- every column of each person-level model is read by a downstream model or
  the linkage (beyond the model's own key);
- a forename's Soundex token never equals a surname's of the same code, and
  the linkage never compares the two;
- the staging macro emits exactly the catalogue of insight_hub.person_extract.

Run with -s to see the figures the attack prints.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path
from typing import cast

import duckdb
import pandas as pd
import pytest
import sqlglot
import yaml
from dbt_project import Workspace
from sqlglot import exp
from sqlglot.optimizer.pushdown_projections import pushdown_projections
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import traverse_scope

from insight_hub import person_extract
from insight_hub.linkage import settings as linkage_settings
from insight_hub.linkage import splink_run
from insight_hub.linkage.evaluate import tokenised_truth

# Columns that would let a local list pin a person down, or that the marts never need.
FORBIDDEN_COLUMNS = {
    "oa21_code": "output area",
    "msoa21_code": "MSOA",
    "postcode_district": "postcode district",
    "birth_year": "year of birth",
    "latest_birth_year": "year of birth",
    "birth_date": "date of birth",
    "date_of_birth": "date of birth",
    "age_at_event": "exact age",
    "gp_practice_code": "GP practice code",
}
# Attributes a model may hold in clear that an outsider can know about a person.
QUASI_IDENTIFIERS = (
    "oa21_code",
    "lsoa21_code",
    "ward_code",
    "msoa21_code",
    "postcode_district",
    "birth_year",
    "age_at_event",
    "age_band_code",
    "birth_year_age_band_code",
    "sex",
    "ethnic_group",
    "census_ethnic_group_code",
    "event_date",
    "event_month",
    "first_contact_month",
)
EVENT_COLUMNS = ("event_date", "event_month", "first_contact_month")
# The person-level models holding people's attributes; the linkage's own
# outputs (clusters, keys, households) hold tokens, keys and scores only.
ATTRIBUTE_MODELS = (
    "int_person_records__geocoded",
    "int_linkage__records",
    "int_person_records__keyed",
    "int_service_users__located",
    "int_households__located",
    "int_households__segmented",
    "int_households__council_tax_summarised",
)
LINKAGE_SPINE = "int_person_records__geocoded"
KEYED = "intermediate.int_person_records__keyed"


@pytest.fixture(scope="module")
def manifest(built_borough: Workspace) -> dict:
    return json.loads(Path(built_borough.target, "manifest.json").read_text())


@pytest.fixture(scope="module")
def con(built_borough: Workspace):
    connection = duckdb.connect()
    # attached under its own name, the catalogue the compiled SQL names
    connection.execute(f"attach '{built_borough.warehouse}' (read_only)").fetchall()
    connection.execute(f'use "{built_borough.warehouse.stem}"')
    yield connection
    connection.close()


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    return dict(
        con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'intermediate' and table_name = ? order by ordinal_position",
            [table],
        ).fetchall()
    )


def _person_level_models_marts_read(manifest: dict, con: duckdb.DuckDBPyConnection) -> list[str]:
    """Intermediate models a mart (or diagnostic, or share) reads directly whose rows are people, records or households."""
    nodes = manifest["nodes"]
    parents = {
        parent
        for node in nodes.values()
        if node["resource_type"] == "model" and node["fqn"][1] in ("marts", "diagnostics", "sharing")
        for parent in node["depends_on"]["nodes"]
        if parent in nodes and nodes[parent]["fqn"][1] == "intermediate"
    }
    return sorted(
        nodes[parent]["name"]
        for parent in parents
        if {"person_key", "record_token", "household_key"} & set(_columns(con, nodes[parent]["name"]))
    )


def test_models_marts_read_hold_no_fine_quasi_identifier_and_months_only(manifest, con) -> None:
    """Output area, postcode district, year or date of birth, exact age and GP
    practice code are on no person-level model a mart reads, and every date
    such a model holds is the first of a month (event dates at month grain)."""
    models = _person_level_models_marts_read(manifest, con)
    assert "int_person_records__keyed" in models and "int_service_users__located" in models
    found = [
        f"{model}.{column} ({FORBIDDEN_COLUMNS[column]})"
        for model in models
        for column in _columns(con, model)
        if column in FORBIDDEN_COLUMNS
    ]
    days = []
    for model in models:
        for column, data_type in _columns(con, model).items():
            if data_type == "DATE":
                (count,) = con.execute(
                    f'select count(*) from intermediate.{model} where day("{column}") <> 1'
                ).fetchone()
                if count:
                    days.append(f"{model}.{column}: {count} dates that are not a month")
    assert found == [], f"fine quasi-identifiers on models marts read: {found}"
    assert days == [], f"days on models marts read: {days}"


def _local_list(con: duckdb.DuckDBPyConnection, truth: Path) -> None:
    """The outsider's list: every true person's LSOA (of residence), year of
    birth, sex and ethnic group, from the ground truth."""
    con.execute(f"""
        create or replace temp table local_list as
        select persons.person_id, persons.lsoa21_code, persons.birth_year, persons.sex,
               persons.ethnic_group_code, groups.ethnic_group
        from read_parquet('{truth / "persons.parquet"}') as persons
        left join (
            select distinct census_ethnic_group_code, ethnic_group from reference.ethnicity_codes
            where code_system = 'census_2021'
        ) as groups on persons.ethnic_group_code = groups.census_ethnic_group_code
        where persons.lsoa21_code is not null
    """).fetchall()


def _true_persons(con: duckdb.DuckDBPyConnection, workspace: Workspace) -> None:
    """Each person key's true person (the one most of its records are about)."""
    commissions = [c for (c,) in con.execute(f"select distinct commission_id from {KEYED}").fetchall()]
    assert workspace.master_key is not None, "the borough is built under a generated key"
    tokenised = tokenised_truth(con, workspace.truth, commissions, workspace.master_key.encode())
    con.execute(f"""
        create or replace temp table true_persons as
        select keyed.commission_id, keyed.person_key, mode(truth.person_id) as person_id
        from {KEYED} as keyed
        inner join ({tokenised}) as truth
            on keyed.commission_id = truth.commission_id and keyed.record_token = truth.record_token
        group by keyed.commission_id, keyed.person_key
    """).fetchall()


def _attacker_rows_sql(con: duckdb.DuckDBPyConnection, model: str) -> str | None:
    """What one model says in clear about each person, as the attacker reads
    it: location, sex, ethnic group and the years the person can have been
    born in (from a year of birth, an exact age or an age band on the event's
    year, or for a row per person and service, any year from the first contact
    on). None for a model with no location, or whose rows are households."""
    columns = _columns(con, model)
    if "lsoa21_code" not in columns or not {"person_key", "record_token"} & set(columns):
        return None
    person = "rows.person_key" if "person_key" in columns else "keyed.person_key"
    joined = (
        "" if "person_key" in columns else (f"inner join {KEYED} as keyed on rows.record_token = keyed.record_token")
    )
    event = next((f"year(rows.{c})" for c in EVENT_COLUMNS if c in columns), "null")
    latest = event if "record_token" in columns else "year(current_date)"
    bands = [f"rows.{c}" for c in ("age_band_code", "birth_year_age_band_code") if c in columns]
    band = f"coalesce({', '.join(bands)})" if bands else "null"
    if "birth_year" in columns:
        earliest_birth, latest_birth = "rows.birth_year", "rows.birth_year"
    elif "age_at_event" in columns:
        earliest_birth, latest_birth = f"{event} - rows.age_at_event - 1", f"{latest} - rows.age_at_event"
    else:
        earliest_birth = f"{event} - case when {band} = 18 then 150 else 5 * {band} - 1 end - 1"
        latest_birth = f"{latest} - 5 * ({band} - 1)"
    sex, census_code, ethnic_group = (
        f"rows.{c}" if c in columns else "null" for c in ("sex", "census_ethnic_group_code", "ethnic_group")
    )
    return f"""
        select rows.commission_id, {person} as person_key, rows.lsoa21_code, {sex} as sex,
               {census_code} as census_ethnic_group_code, {ethnic_group} as ethnic_group,
               {earliest_birth} as earliest_birth_year, {latest_birth} as latest_birth_year
        from intermediate.{model} as rows {joined}
        where rows.lsoa21_code is not null"""


def _reidentified(con: duckdb.DuckDBPyConnection, models: list[str]) -> tuple[int, int, int]:
    """(persons, persons singled out, persons re-identified): a person is
    singled out when one of their rows in `models` fits exactly one person of
    the local list, re-identified when that person is who they are."""
    rows = [sql for sql in (_attacker_rows_sql(con, model) for model in models) if sql]
    con.execute(
        "create or replace temp table attacker_rows as "
        f"select row_number() over () as row_id, * from ({' union all '.join(rows)})"
    ).fetchall()
    ((persons, singled_out, reidentified),) = con.execute(f"""
        with candidates as (
            select attacker_rows.row_id, any_value(attacker_rows.commission_id) as commission_id,
                   any_value(attacker_rows.person_key) as person_key, count(*) as candidate_count,
                   any_value(local_list.person_id) as candidate_person_id
            from attacker_rows
            inner join local_list
                on attacker_rows.lsoa21_code = local_list.lsoa21_code
                and (attacker_rows.sex is null or attacker_rows.sex = local_list.sex)
                and (attacker_rows.census_ethnic_group_code is null
                     or attacker_rows.census_ethnic_group_code = local_list.ethnic_group_code)
                and (coalesce(attacker_rows.ethnic_group, 'Not known') = 'Not known'
                     or attacker_rows.ethnic_group = local_list.ethnic_group)
                and (attacker_rows.earliest_birth_year is null
                     or local_list.birth_year
                        between attacker_rows.earliest_birth_year and attacker_rows.latest_birth_year)
            group by attacker_rows.row_id
        ),
        unique_fits as (
            select distinct candidates.commission_id, candidates.person_key,
                   candidates.candidate_person_id = true_persons.person_id as is_right
            from candidates
            inner join true_persons
                on candidates.commission_id = true_persons.commission_id
                and candidates.person_key = true_persons.person_key
            where candidates.candidate_count = 1
        )
        select
            (select count(distinct person_key) from {KEYED}),
            (select count(distinct person_key) from unique_fits),
            (select count(distinct person_key) from unique_fits where is_right)
    """).fetchall()
    return persons, singled_out, reidentified


def _unique_share(con: duckdb.DuckDBPyConnection, model: str, quasi_identifiers: list[str]) -> float:
    """Share of the model's persons unique on `quasi_identifiers` in one of their rows."""
    frame = _person_rows(con, model, quasi_identifiers)
    return float((_smallest_classes(frame, quasi_identifiers)["class_size"] == 1).mean())


def test_a_local_list_reidentifies_fewer_people_than_the_linkage_spine_allows(manifest, con, built_borough) -> None:
    """The outsider's attack on every person-level model a mart reads, against
    the same attack on the linkage's spine (year of birth, LSOA, sex, ethnic
    group: what the keyed spine marts read held on main)."""
    _local_list(con, built_borough.truth)
    _true_persons(con, built_borough)
    models = _person_level_models_marts_read(manifest, con)
    persons, singled_out, reidentified = _reidentified(con, models)
    _, baseline_singled_out, baseline = _reidentified(con, [LINKAGE_SPINE])
    print(f"\nmodels marts read: {', '.join(models)}")
    print(
        f"local-list attack on them: {persons} persons, {singled_out} singled out, "
        f"{reidentified} re-identified ({reidentified / persons:.1%})"
    )
    print(
        f"same attack on {LINKAGE_SPINE}: {baseline_singled_out} singled out, "
        f"{baseline} re-identified ({baseline / persons:.1%})"
    )
    for model in models:
        held = [c for c in ("oa21_code", "birth_year", "sex") if c in _columns(con, model)]
        if len(held) == 3:
            print(
                f"{model}: {_unique_share(con, model, held):.1%} of persons unique on output area, "
                "year of birth and sex"
            )
    for row in (
        con.execute("select * from diagnostics.quasi_identifier_k_anonymity order by all").fetchall()
        if ("quasi_identifier_k_anonymity" in {n["name"] for n in manifest["nodes"].values()})
        else []
    ):
        print("k-anonymity:", row)
    assert baseline > 0.1 * persons, "the attack must work where the year of birth is held"
    assert reidentified < baseline, (
        f"models marts read let a local list re-identify {reidentified} persons, no fewer than the "
        f"linkage spine's {baseline}"
    )


def _person_rows(con: duckdb.DuckDBPyConnection, model: str, quasi_identifiers: list[str]) -> pd.DataFrame:
    """The model's distinct (person, quasi-identifiers) rows; a record-level
    model without a person key gets it from the keyed spine."""
    selected = ", ".join(f"rows.{c}" for c in ["commission_id", *quasi_identifiers])
    if "person_key" in _columns(con, model):
        return con.execute(f"select distinct {selected}, rows.person_key from intermediate.{model} as rows").df()
    return con.execute(
        f"select distinct {selected}, keyed.person_key from intermediate.{model} as rows "
        f"inner join {KEYED} as keyed on rows.record_token = keyed.record_token"
    ).df()


def _smallest_classes(frame: pd.DataFrame, quasi_identifiers: list[str]) -> pd.DataFrame:
    """Each person's smallest equivalence class (persons sharing all values, unknown counting as a value)."""
    frame = frame.assign(
        class_size=frame.groupby(["commission_id", *quasi_identifiers], dropna=False)["person_key"].transform("size")
    )
    return frame.groupby(["commission_id", "person_key"], as_index=False)["class_size"].min()


def test_k_anonymity_report_matches_the_models(manifest, con) -> None:
    """Every figure of quasi_identifier_k_anonymity, recomputed with pandas from
    the models; each model a mart reads with a person key is reported, on a
    set holding every quasi-identifier it has (the ward follows from the LSOA)."""
    report = con.execute("select * from diagnostics.quasi_identifier_k_anonymity").df()
    models = [m for m in _person_level_models_marts_read(manifest, con) if "person_key" in _columns(con, m)]
    assert sorted(report["model_name"].unique()) == models
    for model in models:
        columns = _columns(con, model)
        wards = con.execute(
            f"select count(*) from (select lsoa21_code from intermediate.{model} "
            "group by lsoa21_code having count(distinct ward_code) > 1)"
        ).fetchone()[0]
        assert wards == 0, f"{model}: an LSOA in two wards"
        sets = report.loc[report["model_name"] == model, "quasi_identifier_set"]
        widest = max((quasi_identifiers.split(", ") for quasi_identifiers in sets), key=len)
        held = {c for c in QUASI_IDENTIFIERS if c in columns} - {"ward_code"}
        assert held <= set(widest), f"{model}: quasi-identifiers not reported: {held - set(widest)}"
    for row in report.itertuples():
        quasi_identifiers = row.quasi_identifier_set.split(", ")
        frame = _person_rows(con, row.model_name, quasi_identifiers)
        persons = _smallest_classes(frame[frame["commission_id"] == row.commission_id], quasi_identifiers)
        sizes = persons["class_size"]
        expected = {
            "person_count": len(persons),
            "persons_in_class_of_1_count": int((sizes == 1).sum()),
            "persons_in_classes_of_2_to_4_count": int(sizes.between(2, 4).sum()),
            "persons_in_classes_of_5_to_9_count": int(sizes.between(5, 9).sum()),
            "persons_in_classes_of_10_plus_count": int((sizes >= 10).sum()),
            "smallest_class_size": int(sizes.min()),
            "unique_person_share": round(float((sizes == 1).mean()), 4),
        }
        assert {key: getattr(row, key) for key in expected} == expected, f"{row.model_name}: {row.quasi_identifier_set}"


def _reads(manifest: dict, con: duckdb.DuckDBPyConnection, models: tuple[str, ...]) -> dict[str, set[str]]:
    """Columns of `models` each downstream model's compiled SQL reads (after
    sqlglot expands its stars and prunes what it does not use), and the columns
    the linkage's Python models read."""
    schema: dict[str, dict[str, dict[str, dict[str, str]]]] = {}
    for database, schema_name, table, column, data_type in con.execute(
        "select table_catalog, table_schema, table_name, column_name, data_type from information_schema.columns"
    ).fetchall():
        schema.setdefault(database, {}).setdefault(schema_name, {}).setdefault(table, {})[column] = data_type
    wanted = {node_id for node_id, node in manifest["nodes"].items() if node.get("name") in models}
    reads: dict[str, set[str]] = defaultdict(set)
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or not wanted & set(node["depends_on"]["nodes"]):
            continue
        assert node.get("compiled_code") or node["language"] == "python", f"{node['name']} was not compiled"
        if node["language"] == "python":
            # what the linkage's Python models read (insight_hub/linkage/settings.py, splink_run.py)
            python_reads = {
                "int_linkage__scored_pairs": {
                    "int_linkage__records": {"commission_id", *linkage_settings.RECORD_COLUMNS},
                    "int_person_records__token_sets": {"commission_id", *linkage_settings.TOKEN_SET_COLUMNS},
                },
                "int_linkage__connected_records": {
                    "int_linkage__records": {"commission_id", "record_token"},
                    "int_linkage__edges": {"record_token_l", "record_token_r"},
                },
            }
            assert node["name"] in python_reads, f"{node['name']}: say what this Python model reads"
            for model, columns in python_reads[node["name"]].items():
                reads[model] |= columns
            continue
        tree = sqlglot.parse_one(node["compiled_code"], dialect="duckdb")
        # cast: sqlglot annotates the schema as dict[str, object], and dict is invariant, so the
        # nested dicts it documents (catalog -> database -> table -> column -> type) are refused without it
        tree = pushdown_projections(
            qualify(tree, schema=cast(dict[str, object], schema), dialect="duckdb", validate_qualify_columns=False)
        )
        for scope in traverse_scope(tree):
            for column in scope.columns:
                source = scope.sources.get(column.table)
                if isinstance(source, exp.Table):
                    reads[source.name].add(column.name)
    return reads


def _grain(manifest: dict, model: str) -> set[str]:
    """The columns of the model's declared key (its unique tests)."""
    node_id = f"model.insight_hub.{model}"
    keys = set()
    for node in manifest["nodes"].values():
        if node["resource_type"] == "test" and node.get("attached_node") == node_id:
            name, kwargs = node["test_metadata"]["name"], node["test_metadata"]["kwargs"]
            keys |= (
                set(kwargs.get("columns", []))
                if name == "unique_combination_of_columns"
                else ({kwargs["column_name"]} if name == "unique" else set())
            )
    return keys


def test_every_column_of_a_person_level_model_is_read_downstream(manifest, con) -> None:
    """A column no downstream model and not the linkage reads is data held for
    nothing: every column of each person-level model holding people's
    attributes is read by a model downstream or the linkage, its key aside."""
    reads = _reads(manifest, con, ATTRIBUTE_MODELS)
    assert {"birth_year", "sex"} <= reads["int_linkage__records"], "the linkage's reads are counted"
    unread = {
        model: [c for c in _columns(con, model) if c not in reads[model] | _grain(manifest, model)]
        for model in ATTRIBUTE_MODELS
    }
    unread = {model: columns for model, columns in unread.items() if columns}
    assert unread == {}, f"columns no downstream model or the linkage reads: {unread}"


def test_a_forename_soundex_token_never_equals_a_surname_soundex_token(con) -> None:
    """Two records with forename and surname exchanged (one record's forename
    is the other's surname, so the same Soundex code) share no Soundex token:
    each field's codes have their own token domain; nor does any forename
    Soundex or initial token equal any surname Soundex token."""
    ((pairs, equal),) = con.execute(f"""
        select count(*), count(*) filter (where one.forename_soundex_token = other.surname_soundex_token)
        from intermediate.{LINKAGE_SPINE} as one
        inner join intermediate.{LINKAGE_SPINE} as other
            on one.commission_id = other.commission_id and one.full_name_token = other.name_swapped_token
    """).fetchall()
    assert pairs > 0, "the borough has records with forename and surname exchanged"
    assert equal == 0, f"{equal} of {pairs} exchanged-name pairs share a Soundex token across forename and surname"
    (shared,) = con.execute(f"""
        select count(*) from (
            select forename_soundex_token as token from intermediate.{LINKAGE_SPINE}
            union select forename_initial_token from intermediate.{LINKAGE_SPINE}
        ) as forenames
        inner join (select distinct surname_soundex_token as token from intermediate.{LINKAGE_SPINE}) as surnames
            using (token)
    """).fetchone()
    assert shared == 0


def _equalities(sql: str) -> list[set[str]]:
    """The pairs of columns (less Splink's _l/_r suffixes) a condition sets equal."""
    pairs = []
    for equality in sqlglot.parse_one(sql, dialect="duckdb").find_all(exp.EQ):
        if isinstance(equality.left, exp.Column) and isinstance(equality.right, exp.Column):
            pairs.append({re.sub(r"_[lr]$", "", side.name) for side in (equality.left, equality.right)})
    return pairs


def test_the_linkage_never_compares_forename_and_surname_soundex(built_borough: Workspace, manifest) -> None:
    """Every condition the linkage scores, blocks or joins on (the trained
    Splink models, the compiled SQL of the linkage's SQL models; splink_run's
    own SQL names no Soundex token) sets a Soundex token equal only to the
    same field's."""
    conditions = []
    for path in (built_borough.target / "linkage").glob("splink_model_*.json"):
        model = json.loads(path.read_text())
        conditions += [
            level["sql_condition"]
            for comparison in model["comparisons"]
            for level in comparison["comparison_levels"]
            if level["sql_condition"] != "ELSE"
        ]
        conditions += [rule["blocking_rule"] for rule in model["blocking_rules_to_generate_predictions"]]
    conditions += [
        node["compiled_code"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["language"] == "sql"
        and node["original_file_path"].startswith("models/intermediate/linkage/")
    ]
    assert conditions, "the build saved its linkage models"
    pairs = [pair for condition in conditions for pair in _equalities(condition)]
    assert {"forename_soundex_token"} in pairs and {"surname_soundex_token"} in pairs, "Soundex is compared"
    assert {"forename_canonical_token"} in pairs, "the residual rules' SQL is read"
    assert {"forename_soundex_token", "surname_soundex_token"} not in pairs
    assert "soundex" not in Path(splink_run.__file__).read_text(), "splink_run's own SQL joins on no Soundex token"


def test_staging_emits_the_person_extract_catalogue(manifest, con) -> None:
    """Every person-extract staging model starts with the catalogue's columns,
    in its order (insight_hub.person_extract.CANONICAL_COLUMNS, from which the
    staging twins are written)."""
    catalogue = [column.name for column in person_extract.CANONICAL_COLUMNS]
    extracts = yaml.safe_load((person_extract.PROJECT_ROOT / "dbt_project.yml").read_text())["vars"]["person_extracts"]
    staged = {
        model: [
            c
            for (c,) in con.execute(
                "select column_name from information_schema.columns where table_schema = 'staging' "
                "and table_name = ? order by ordinal_position",
                [model],
            ).fetchall()
        ]
        for model in extracts
    }
    # a workbook extract's view lives only in the run that reads it, never in the warehouse file
    staged = {model: columns for model, columns in staged.items() if columns}
    assert len(staged) >= len(extracts) - 1
    assert {model: columns[: len(catalogue)] for model, columns in staged.items()} == dict.fromkeys(staged, catalogue)
