"""Splink's comparison levels and training plan, on hand-made records.

Rules guarded: the comparison levels that weigh letter-pair similarity, twins,
a date of birth keyed wrong and a forename given as the other's surname fire
exactly where they should; a commission trains with what it has and says what
it cannot train; the residual_rule column accepts exactly the rules the
residual passes apply. The SQL steps after Splink (the deterministic pass,
edges, cannot-link, the residual passes) have dbt unit tests beside their
models in models/intermediate/linkage.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

import duckdb
import pytest
import yaml
from splink import DuckDBAPI, Linker

from insight_hub.linkage import settings as linkage_settings
from insight_hub.linkage.settings import TWIN_LEVEL_LABEL, comparisons, splink_settings
from insight_hub.linkage.splink_run import TrainingPlan, _integer_input_sql, training_plan
from insight_hub.person_extract import PROJECT_ROOT

LINKAGE_MODELS = PROJECT_ROOT / "models/intermediate/linkage"


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    yield connection
    connection.close()


def test_the_residual_rule_column_accepts_exactly_the_rules() -> None:
    spec = yaml.safe_load((LINKAGE_MODELS / "int_person_records__clustered.yml").read_text())
    column = next(c for c in spec["models"][0]["columns"] if c["name"] == "residual_rule")
    accepted = next(t["accepted_values"]["arguments"]["values"] for t in column["data_tests"] if "accepted_values" in t)
    applied = [
        name
        for model in ("int_linkage__placed_at_address.sql", "int_linkage__placed_after_move.sql")
        for name in re.findall(r"'name': '([^']+)'", (LINKAGE_MODELS / model).read_text())
    ]
    assert len(applied) == 10, "every rule of both passes is read"
    assert accepted == applied


def _level_fires(comparison: str, label: str, left: dict, right: dict) -> bool:
    """Whether a comparison level's condition holds for one pair of records,
    given as column -> SQL literal (a filter of letter pairs as the bits it sets)."""
    found = next(
        c.get_comparison("duckdb") for c in comparisons() if c.get_comparison("duckdb").output_column_name == comparison
    )
    level = next(lv for lv in found.comparison_levels if lv.label_for_charts == label)
    values = ", ".join(
        f'{value} as "{c}_{suffix}"' for suffix, side in (("l", left), ("r", right)) for c, value in side.items()
    )
    relation = duckdb.sql(f"select {level.sql_condition} from (select {values})")
    assert relation is not None, "a select gives a relation (None is for statements without a result)"
    return bool(relation.fetchall()[0][0])


def _bits(*positions: int) -> str:
    return f"{sum(1 << p for p in positions)}::hugeint"


def _named(forename: str, surname: str, bits: str) -> dict:
    return {
        "birth_date_token": "'2001-05-06'",
        "forename_token": f"'{forename}'",
        "forename_canonical_token": f"'{forename}'",
        "forename_soundex_token": f"'{forename[0]}-soundex'",
        "forename_initial_token": f"'{forename[0]}'",
        "is_forename_initial": "false",
        "full_name_token": f"'{forename} {surname}'",
        "name_swapped_token": f"'{surname} {forename}'",
        "forename_word_token": f"'w-{forename}'",
        "surname_word_token": f"'w-{surname}'",
        "forename_bigram_bloom": bits,
    }


def test_the_twin_level_takes_unrelated_forenames_only() -> None:
    ann = _named("ANN", "LEE", _bits(1, 2, 3, 4))
    bob = _named("BOB", "LEE", _bits(5, 6, 7, 8))
    swapped = _named("LEE", "ANN", _bits(9, 10, 11, 12)) | {
        "full_name_token": "'LEE ANN'",
        "name_swapped_token": "'ANN LEE'",
    }
    anne = _named("ANNE", "LEE", _bits(1, 2, 3, 20, 21))  # 3 of 4 and 5 pairs in common: Dice 0.67
    assert _level_fires("date_of_birth", TWIN_LEVEL_LABEL, ann, bob), "twins: same birth date, unrelated forenames"
    assert not _level_fires("date_of_birth", TWIN_LEVEL_LABEL, ann, swapped), "one person, names exchanged"
    assert not _level_fires("date_of_birth", TWIN_LEVEL_LABEL, ann, anne), "one person, forename spelt two ways"
    assert not _level_fires("date_of_birth", TWIN_LEVEL_LABEL, ann, bob | {"birth_date_token": "'2001-05-07'"})


def test_forenames_are_close_by_the_dice_coefficient_of_their_letter_pairs() -> None:
    sarah = {"forename_bigram_bloom": _bits(1, 2, 3, 4, 5, 6)}
    sara = {"forename_bigram_bloom": _bits(1, 2, 3, 4, 7)}  # 4 in common of 6 and 5: Dice 0.73
    simon = {"forename_bigram_bloom": _bits(1, 8, 9, 10, 11, 12)}  # 1 in common: Dice 0.17
    close = "Forenames close in letter pairs"
    assert _level_fires("forename", close, sarah, sara)
    assert not _level_fires("forename", close, sarah, simon)


def test_a_date_of_birth_with_one_part_keyed_wrong_is_its_own_level() -> None:
    def dated(year: int, month: str, day: str) -> dict:
        return {"birth_year": str(year), "birth_month_token": f"'{month}'", "birth_day_token": f"'{day}'"}

    label = "Two of year, month and day agree"
    assert _level_fires("date_of_birth", label, dated(1980, "M03", "D09"), dated(1981, "M03", "D09")), "year off by one"
    assert _level_fires("date_of_birth", label, dated(1980, "M03", "D09"), dated(1980, "M03", "D19")), "day typed wrong"
    assert not _level_fires("date_of_birth", label, dated(1980, "M03", "D09"), dated(1981, "M04", "D09"))


def _spine(con: duckdb.DuckDBPyConnection, records: list[dict]) -> str:
    """A spine-and-token-sets input of `records` (column -> value, the rest null),
    tokens as 64-hex strings, made into the linkage's integer input table."""
    types = {c: "varchar[]" if c.endswith("_tokens") else "varchar" for c in linkage_settings.INPUT_COLUMNS}
    types |= {"birth_year": "integer", "latest_birth_year": "integer", "is_forename_initial": "boolean"}
    con.execute(f"create or replace table spine ({', '.join(f'{c} {t}' for c, t in types.items())})").fetchall()
    for number, record in enumerate(records):
        values = {"record_token": hashlib.sha256(str(number).encode()).hexdigest(), "commission_id": "C", **record}
        for column, value in list(values.items()):
            if column.endswith("_token") and isinstance(value, str) and len(value) != 64:
                values[column] = hashlib.sha256(f"{column}:{value}".encode()).hexdigest()
        con.execute(
            f"insert into spine ({', '.join(values)}) values ({', '.join('?' for _ in values)})", list(values.values())
        ).fetchall()
    con.execute(f"create or replace table linkage_input as {_integer_input_sql('select * from spine')}").fetchall()
    return "linkage_input"


def _plan(con: duckdb.DuckDBPyConnection, records: list[dict]) -> TrainingPlan:
    table = _spine(con, records)
    return training_plan(con, table, Linker(DuckDBAPI(connection=con).register(table), splink_settings()))


def test_a_commission_without_nhs_numbers_trains_on_what_it_has(con) -> None:
    """No NHS numbers: EM takes pairs with the same date of birth, then with the
    same surname and postcode for the date; the prior comes from names and date."""
    people = [
        {
            "forename_token": f"F{i % 10}",
            "surname_token": f"S{i % 7}",
            "birth_date_token": f"D{i % 30}",
            "postcode_token": f"P{i % 5}",
            "sex": "F",
        }
        for i in range(300)
    ]
    plan = _plan(con, people)
    assert plan.em_blocks == (("birth_date_token",), ("surname_token", "postcode_token"))
    assert plan.deterministic == (("forename_token", "surname_token", "birth_date_token"),)
    assert "nhs_number" not in plan.untrained, "a comparison with no values needs no training"
    assert plan.untrained == ()


def test_a_commission_with_nothing_to_train_on_says_so(con) -> None:
    plan = _plan(con, [{"forename_token": f"F{i}", "sex": "M"} for i in range(60)])
    assert plan.em_blocks == () and plan.deterministic == ()
    assert "forename" in plan.untrained and "forename" in plan.describe()


def test_a_forename_given_as_the_other_records_surname_is_its_own_level() -> None:
    """FEBRL's RAQUEL LODGE and GARNETT RAQUEL: one name moved to the other field."""
    level = "Forename given as the other's surname"
    raquel = {"forename_word_token": "'RAQUEL'", "surname_word_token": "'LODGE'"}
    moved = {"forename_word_token": "'GARNETT'", "surname_word_token": "'RAQUEL'"}
    other = {"forename_word_token": "'GARNETT'", "surname_word_token": "'LODGE'"}
    assert _level_fires("forename", level, raquel, moved)
    assert _level_fires("forename", level, moved, raquel)
    assert not _level_fires("forename", level, raquel, other)
