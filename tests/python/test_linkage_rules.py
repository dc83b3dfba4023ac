"""The clustering rules that run after Splink, on hand-made records.

Rules guarded: two records of one service with different person identifiers
of that service are never one person (the weaker leaves the cluster); a
record that cannot anchor a person joins a person by a residual rule only
when exactly one person fits, never one holding or also chosen by another
person identifier of its service; a person without an address is found
through the ward of its GP practice, and one whose household moved at the
postcode it moved from; the comparison levels that weigh letter-pair
similarity and twins; the residual_rule column accepts exactly the rules.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence

import duckdb
import pytest
import yaml
from splink import DuckDBAPI, Linker

from insight_hub.linkage import settings as linkage_settings
from insight_hub.linkage.settings import (
    MOVED_HOUSEHOLD_RULES,
    REGISTERED_IN_WARD_RULES,
    RESIDUAL_RULES,
    TWIN_LEVEL_LABEL,
    comparisons,
    splink_settings,
)
from insight_hub.linkage.splink_run import (
    RESIDUAL_PASSES,
    TrainingPlan,
    _integer_input_sql,
    _practice_wards_sql,
    _residual_sql,
    _separated_sql,
    training_plan,
)
from insight_hub.person_extract import PROJECT_ROOT

COLUMNS = {
    "record_id": "bigint",
    "is_strong": "boolean",
    "service_code": "varchar",
    "source_person_token": "varchar",
    "forename_token": "varchar",
    "forename_canonical_token": "varchar",
    "forename_soundex_token": "varchar",
    "forename_initial_token": "varchar",
    "is_forename_initial": "boolean",
    "surname_token": "varchar",
    "surname_soundex_token": "varchar",
    "birth_date_token": "varchar",
    "birth_year": "integer",
    "latest_birth_year": "integer",
    "sex": "varchar",
    "postcode_token": "varchar",
    "uprn_token": "varchar",
    "forename_edit_tokens": "varchar[]",
    "surname_edit_tokens": "varchar[]",
    "full_name_token": "varchar",
    "name_swapped_token": "varchar",
    "nhs_number_token": "varchar",
    "ward_code": "varchar",
    "practice_ward_code": "varchar",
}


def _record(record_id: int, **values) -> tuple:
    return tuple(values.get(name, record_id if name == "record_id" else None) for name in COLUMNS)


def _person(record_id: int, **values) -> tuple:
    """A strong record of a person called F S, born 1980, living at P / U."""
    defaults = {
        "is_strong": True,
        "service_code": "nhs_partner",
        "forename_token": "F",
        "forename_canonical_token": "F",
        "forename_soundex_token": "F000",
        "forename_initial_token": "F-initial",
        "is_forename_initial": False,
        "surname_token": "S",
        "surname_soundex_token": "S000",
        "birth_date_token": "1980-01-01",
        "birth_year": 1980,
        "latest_birth_year": 1980,
        "sex": "1",
        "postcode_token": "P",
        "uprn_token": "U",
        "surname_edit_tokens": ["S"],
        "forename_edit_tokens": ["F"],
        "ward_code": "W",
    }
    return _record(record_id, **(defaults | values))


def _party(record_id: int, party: str, **values) -> tuple:
    """A council tax liable party (no date of birth) at P / U."""
    defaults = {
        "is_strong": False,
        "service_code": "revenues_benefits",
        "source_person_token": party,
        "surname_token": "S",
        "surname_soundex_token": "S000",
        "latest_birth_year": 2008,
        "sex": "1",
        "postcode_token": "P",
        "uprn_token": "U",
        "surname_edit_tokens": ["S"],
        "ward_code": "W",
    }
    return _record(record_id, **(defaults | values))


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    yield connection
    connection.close()


def _load(
    con: duckdb.DuckDBPyConnection,
    records: list[tuple],
    clusters: dict[int, int],
    edges: Sequence[tuple[int, int, float]] = (),
) -> None:
    con.execute(f"create or replace table input ({', '.join(f'{c} {t}' for c, t in COLUMNS.items())})")
    con.executemany(f"insert into input values ({', '.join('?' for _ in COLUMNS)})", records)
    con.execute("create or replace table clusters (record_id bigint, cluster_id bigint)")
    con.executemany("insert into clusters values (?, ?)", list(clusters.items()))
    con.execute("create or replace table edges (record_id_l bigint, record_id_r bigint, match_probability double)")
    if edges:
        con.executemany("insert into edges values (?, ?, ?)", edges)


def test_two_parties_of_one_service_are_two_people(con) -> None:
    _load(
        con,
        [
            _person(1),
            _party(2, "party-a", forename_token="F"),
            _party(3, "party-b", forename_token="F"),
            _person(4, service_code="revenues_benefits", source_person_token="party-c"),
        ],
        clusters={1: 1, 2: 1, 3: 1, 4: 1},
        edges=[(1, 2, 0.99), (1, 3, 0.95), (1, 4, 0.999)],
    )
    separated = dict(
        con.execute(f"select record_id, cluster_id from ({_separated_sql('clusters', 'edges', 'input')})").fetchall()
    )
    # party-c has a strong record, so it keeps the cluster; the weak parties leave it
    assert separated == {1: 1, 2: -3, 3: -4, 4: 1}

    _load(
        con,
        [_person(1), _party(2, "party-a"), _party(3, "party-b"), _party(5, "party-a")],
        clusters={1: 1, 2: 1, 3: 1, 5: 1},
        edges=[(1, 2, 0.95), (1, 3, 0.99), (2, 5, 0.97)],
    )
    separated = dict(
        con.execute(f"select record_id, cluster_id from ({_separated_sql('clusters', 'edges', 'input')})").fetchall()
    )
    assert separated == {1: 1, 2: -3, 3: 1, 5: -6}, "the party with the strongest link stays"

    # the cluster's id is that of a record that must leave: it still leaves
    _load(
        con,
        [_person(1), _party(2, "party-a"), _party(3, "party-b")],
        clusters={1: 2, 2: 2, 3: 2},
        edges=[(1, 2, 0.95), (1, 3, 0.99)],
    )
    separated = dict(
        con.execute(f"select record_id, cluster_id from ({_separated_sql('clusters', 'edges', 'input')})").fetchall()
    )
    assert separated == {1: 2, 2: -3, 3: 2}


def _residual(con: duckdb.DuckDBPyConnection, number: int = 0) -> dict[int, tuple[int, str]]:
    """What residual pass `number` does to the loaded clusters."""
    sql = _residual_sql("clusters", "input", RESIDUAL_PASSES[number])
    return {record_id: (cluster_id, rule) for record_id, cluster_id, rule in con.execute(sql).fetchall()}


def test_a_party_without_forename_joins_the_one_person_of_its_surname_at_its_address(con) -> None:
    _load(con, [_person(1), _person(2, surname_token="T", sex="2"), _party(3, "party-a")], clusters={1: 1, 2: 2, 3: 3})
    assert _residual(con) == {3: (1, "no forename, same surname")}


def test_no_residual_link_when_two_people_fit(con) -> None:
    _load(
        con,
        [_person(1), _person(2, forename_token="G", birth_year=1950), _party(3, "party-a")],
        clusters={1: 1, 2: 2, 3: 3},
    )
    assert _residual(con) == {}


def test_no_residual_link_to_a_person_holding_another_party(con) -> None:
    _load(con, [_person(1), _party(2, "party-b"), _party(3, "party-a")], clusters={1: 1, 2: 1, 3: 3})
    assert _residual(con) == {}


def test_no_residual_link_when_sex_or_age_contradict(con) -> None:
    _load(con, [_person(1, sex="2"), _party(3, "party-a")], clusters={1: 1, 3: 3})
    assert _residual(con) == {}
    _load(con, [_person(1, birth_year=2015, latest_birth_year=2015), _party(3, "party-a")], clusters={1: 1, 3: 3})
    assert _residual(con) == {}


FRED = {
    "forename_token": "FRED",
    "forename_canonical_token": "FRED",
    "forename_soundex_token": "F630",
    "forename_initial_token": "F-initial",
    "forename_edit_tokens": ["FRED", "RED", "FED", "FRD", "FRE"],
}


def test_an_initial_with_a_surname_one_slip_apart_comes_before_any_initial(con) -> None:
    smith = {"surname_token": "SMITH", "surname_soundex_token": "S530", "surname_edit_tokens": ["SMITH", "SMTH"]}
    initial = {
        "forename_token": "F",
        "forename_canonical_token": "F",
        "forename_soundex_token": "F000",
        "forename_initial_token": "F-initial",
        "is_forename_initial": True,
        "forename_edit_tokens": ["F"],
    }
    _load(
        con,
        [
            _person(1, **FRED, **smith),
            _party(
                3,
                "party-a",
                **initial,
                surname_token="SMYTH",
                surname_soundex_token="S530x",
                surname_edit_tokens=["SMYTH", "SMTH"],
            ),
        ],
        clusters={1: 1, 3: 3},
    )
    assert _residual(con) == {3: (1, "initial for forename, surname one slip apart")}
    _load(
        con,
        [
            _person(1, **FRED, **smith),
            _party(3, "party-a", **(initial | {"forename_token": "E", "forename_initial_token": "E-initial"}), **smith),
        ],
        clusters={1: 1, 3: 3},
    )
    assert _residual(con) == {3: (1, "another initial for forename, same surname")}


def test_a_party_joins_a_person_at_the_postcode_its_household_moved_from(con) -> None:
    moved_from = {"postcode_token": "Y", "uprn_token": None}
    party = _party(3, "party-a", **FRED, postcode_token="X", uprn_token="UX")
    child_then = _person(4, forename_token="CHILD", birth_year=2015, latest_birth_year=2015, **moved_from)
    child_now = _record(5, service_code="education", postcode_token="X", uprn_token="UX")
    _load(con, [_person(1, **FRED, **moved_from), party, child_then, child_now], clusters={1: 1, 3: 3, 4: 4, 5: 4})
    assert _residual(con, 1) == {3: (1, "forename within one slip, same surname, moved with the household")}
    assert _residual(con, 0) == {}, "the first pass looks only at the party's own address"
    _load(con, [_person(1, **FRED, **moved_from), party], clusters={1: 1, 3: 3})
    assert _residual(con, 1) == {}, "no sign that the household moved"

    gwen = {
        "forename_token": "GWEN",
        "forename_canonical_token": "GWEN",
        "forename_initial_token": "G-initial",
        "forename_edit_tokens": ["GWEN", "WEN", "GEN", "GWN", "GWE"],
        "sex": "2",
    }
    partner = _party(6, "party-b", **gwen, postcode_token="X", uprn_token="UX")
    _load(
        con,
        [_person(1, **FRED, **moved_from), party, _person(7, **gwen, **moved_from), partner],
        clusters={1: 1, 3: 3, 7: 7, 6: 6},
    )
    assert _residual(con, 1) == {
        3: (1, "forename within one slip, same surname, moved with the household"),
        6: (7, "forename within one slip, same surname, moved with the household"),
    }, "two parties at one property fit two people at one other postcode"


def test_the_residual_rule_column_accepts_exactly_the_rules() -> None:
    spec = yaml.safe_load((PROJECT_ROOT / "models/intermediate/linkage/int_person_records__clustered.yml").read_text())
    column = next(c for c in spec["models"][0]["columns"] if c["name"] == "residual_rule")
    accepted = next(t["accepted_values"]["arguments"]["values"] for t in column["data_tests"] if "accepted_values" in t)
    assert accepted == [name for name, _ in RESIDUAL_RULES + REGISTERED_IN_WARD_RULES + MOVED_HOUSEHOLD_RULES]


def test_a_surname_one_slip_apart_is_found_at_the_address(con) -> None:
    _load(
        con,
        [
            _person(1, surname_token="SMITH", surname_soundex_token="S530", surname_edit_tokens=["SMITH", "SMTH"]),
            _party(
                3,
                "party-a",
                forename_token="F",
                forename_canonical_token="F",
                forename_soundex_token="F000",
                forename_initial_token="F-initial",
                surname_token="SMYTH",
                surname_soundex_token="S530x",
                surname_edit_tokens=["SMYTH", "SMTH"],
            ),
        ],
        clusters={1: 1, 3: 3},
    )
    assert _residual(con) == {3: (1, "same forename, surname one slip apart")}
    con.execute("update input set postcode_token = 'Q', uprn_token = 'V' where record_id = 3")
    assert _residual(con) == {}, "only a person at the record's address is a candidate"


def test_names_exchanged_find_their_person(con) -> None:
    _load(
        con,
        [
            _person(1, full_name_token="F S"),
            _party(3, "party-a", forename_token="S", surname_token="F", name_swapped_token="F S"),
        ],
        clusters={1: 1, 3: 3},
    )
    assert _residual(con) == {3: (1, "forename and surname exchanged")}


def test_a_dated_record_without_forename_is_a_person_to_join_but_never_its_own(con) -> None:
    """A record with a date of birth but no forename cannot anchor clustering,
    yet it is a person a council tax party can join; it never joins itself."""
    dated = _person(
        1,
        is_strong=False,
        forename_token=None,
        forename_canonical_token=None,
        forename_soundex_token=None,
        forename_initial_token=None,
        forename_edit_tokens=None,
    )
    _load(con, [dated, _party(3, "party-a")], clusters={1: 1, 3: 3})
    assert _residual(con) == {3: (1, "no forename, same surname")}


def test_a_party_joins_the_one_person_at_its_address_whose_forename_is_unknown(con) -> None:
    no_forename = {
        "is_strong": False,
        "forename_token": None,
        "forename_canonical_token": None,
        "forename_soundex_token": None,
        "forename_initial_token": None,
        "forename_edit_tokens": None,
    }
    _load(
        con,
        [_person(1, **no_forename), _party(3, "party-a", forename_token="G", forename_initial_token="G-initial")],
        clusters={1: 1, 3: 3},
    )
    assert _residual(con) == {3: (1, "person with no forename, same surname")}
    _load(
        con,
        [
            _person(1, **no_forename),
            _person(2, **no_forename, birth_date_token="1970-01-01", birth_year=1970),
            _party(3, "party-a", forename_token="G", forename_initial_token="G-initial"),
        ],
        clusters={1: 1, 2: 2, 3: 3},
    )
    assert _residual(con) == {}, "two people without a forename fit: neither is chosen"


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


def test_a_party_joins_a_person_without_address_registered_with_a_gp_in_its_ward(con) -> None:
    unplaced = {"postcode_token": None, "uprn_token": None, "ward_code": None, "practice_ward_code": "W"}
    party = _party(3, "party-a", forename_token="F", forename_edit_tokens=["F"], postcode_token="Q", uprn_token="V")
    _load(con, [_person(1, **unplaced), party], clusters={1: 1, 3: 3})
    assert _residual(con) == {3: (1, "forename within one slip, same surname, GP practice in the ward")}
    _load(con, [_person(1, **(unplaced | {"practice_ward_code": "X"})), party], clusters={1: 1, 3: 3})
    assert _residual(con) == {}, "registered in another ward"
    _load(
        con,
        [_person(1, **unplaced), _record(2, service_code="housing", postcode_token="R"), party],
        clusters={1: 1, 2: 1, 3: 3},
    )
    assert _residual(con) == {}, "a person with an address is looked for only at that address"


def test_a_person_two_parties_choose_takes_neither(con) -> None:
    _load(con, [_person(1), _party(3, "party-a"), _party(4, "party-b")], clusters={1: 1, 3: 3, 4: 4})
    assert _residual(con) == {}
    _load(con, [_person(1), _party(3, "party-a")], clusters={1: 1, 3: 3})
    assert _residual(con) == {3: (1, "no forename, same surname")}


def test_a_practice_is_placed_in_the_ward_where_most_of_its_patients_live(con) -> None:
    patients = [("P", "A"), ("P", "A"), ("P", "B"), ("P", None), ("Q", "A"), ("Q", "B"), ("Q", "C"), (None, "A")]
    con.execute("create or replace table patients (gp_practice_token varchar, ward_code varchar)")
    con.executemany("insert into patients values (?, ?)", patients)
    assert dict(con.execute(_practice_wards_sql("patients")).fetchall()) == {"P": "A"}, (
        "Q has no ward with half its patients"
    )


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
