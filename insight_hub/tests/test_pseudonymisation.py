"""The pseudonymisation macros compute exactly the HMAC the Hub documents.

Rule guarded: tokens are HMAC-SHA256 (RFC 2104) keyed per commission and
domain-separated, identical in SQL and Python, correct for non-ASCII text; keys
never appear in SQL text.
"""

from __future__ import annotations

import hashlib
import hmac
import json

import duckdb
import pytest

from insight_hub import pseudonymisation
from insight_hub.tests.dbt_project import Workspace

# RFC 4231 test cases whose data is text (cases 3 and 4 use non-UTF-8 bytes).
RFC_4231 = [
    (b"\x0b" * 20, "Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
    (b"Jefe", "what do ya want for nothing?", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
    (b"\xaa" * 131, "Test Using Larger Than Block-Size Key - Hash Key First",
     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
    (b"\xaa" * 131,
     "This is a test using a larger than block-size key and a larger than block-size data. "
     "The key needs to be hashed before being used by the HMAC algorithm.",
     "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
]
TRICKY_VALUES = ["Zoë O'Brien", "ZOE", "d’Souza", "a\\x41b", "日本語", "NW4 4BT", "9434765919", ""]
COMMISSION = "IH-2026-001"


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The SQL the macros compile to, for the RFC vectors and the tricky values."""
    workspace = Workspace(tmp_path_factory.mktemp("compile"))
    selects = [
        "select 'rfc{i}' as case_id, {{{{ hmac_sha256(\"$msg${i}$msg$\", \"getvariable('inner{i}')\", \"getvariable('outer{i}')\") }}}} as mac".format(i=i)
        for i in range(len(RFC_4231))
    ]
    selects += [
        f"select 'value{i}' as case_id, {{{{ pseudonymise(\"$v${i}$v$\", 'surname', '{COMMISSION}') }}}} as mac"
        for i in range(len(TRICKY_VALUES))
    ]
    completed = workspace.dbt("compile", "--quiet", "--output", "json", "--inline", " union all ".join(selects))
    sql = json.loads(completed.stdout[completed.stdout.index("{"):])["compiled"]
    return {"sql": sql}


def _run(sql: str, master_key: bytes) -> dict[str, str]:
    con = duckdb.connect()
    for i, (key, _, _) in enumerate(RFC_4231):
        pads = pseudonymisation.hmac_pads(key)
        con.execute(f"set variable inner{i} = ?", [pads.inner]).fetchall()
        con.execute(f"set variable outer{i} = ?", [pads.outer]).fetchall()
    pseudonymisation.set_pad_variables(con, pseudonymisation.commission_pads(master_key, [COMMISSION]))
    # Values are substituted as SQL dollar-quoted literals, exactly as written.
    for i, (_, message, _) in enumerate(RFC_4231):
        sql = sql.replace(f"$msg${i}$msg$", "'" + message.replace("'", "''") + "'")
    for i, value in enumerate(TRICKY_VALUES):
        sql = sql.replace(f"$v${i}$v$", "'" + value.replace("'", "''") + "'")
    return dict(con.execute(sql).fetchall())


def test_hmac_macro_matches_rfc_4231(compiled: dict[str, str]) -> None:
    macs = _run(compiled["sql"], b"any master key of at least thirty-two characters")
    for i, (_, _, expected) in enumerate(RFC_4231):
        assert macs[f"rfc{i}"] == expected


def test_pseudonymise_matches_python_hmac_including_non_ascii(compiled: dict[str, str]) -> None:
    master = b"a test master key, not the demo one, 48 chars long"
    macs = _run(compiled["sql"], master)
    key = pseudonymisation.commission_key(master, COMMISSION)
    for i, value in enumerate(TRICKY_VALUES):
        expected = hmac.new(key, ("surname\x1f" + value).encode("utf-8"), hashlib.sha256).hexdigest()
        assert macs[f"value{i}"] == expected, value


def test_compiled_sql_holds_no_key_material(compiled: dict[str, str]) -> None:
    sql = compiled["sql"]
    demo_pads = pseudonymisation.hmac_pads(
        pseudonymisation.commission_key(pseudonymisation.DEMO_MASTER_KEY.encode(), COMMISSION)
    )
    assert "getvariable('insight_hub_ipad:IH-2026-001')" in sql
    assert pseudonymisation.DEMO_MASTER_KEY not in sql
    assert demo_pads.inner.hex() not in sql.lower()


def test_tokens_are_domain_separated_and_per_commission() -> None:
    master = b"a test master key, not the demo one, 48 chars long"
    one = pseudonymisation.commission_key(master, "IH-2026-001")
    two = pseudonymisation.commission_key(master, "IH-2026-002")
    assert pseudonymisation.token(one, "nhs_number", "9434765919") != pseudonymisation.token(one, "surname", "9434765919")
    assert pseudonymisation.token(one, "surname", "SMITH") != pseudonymisation.token(two, "surname", "SMITH")


def test_master_key_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(pseudonymisation.MASTER_KEY_ENV, raising=False)
    assert pseudonymisation.resolve_master_key(allow_demo_key=True) == (pseudonymisation.DEMO_MASTER_KEY.encode(), True)
    with pytest.raises(pseudonymisation.MasterKeyError, match="not set"):
        pseudonymisation.resolve_master_key(allow_demo_key=False)
    monkeypatch.setenv(pseudonymisation.MASTER_KEY_ENV, "too short")
    with pytest.raises(pseudonymisation.MasterKeyError, match="shorter than"):
        pseudonymisation.resolve_master_key(allow_demo_key=True)
    monkeypatch.setenv(pseudonymisation.MASTER_KEY_ENV, "x" * 40)
    assert pseudonymisation.resolve_master_key(allow_demo_key=False) == (b"x" * 40, False)


def test_prod_target_without_key_refuses_to_run(tmp_path) -> None:
    completed = Workspace(tmp_path).dbt("show", "--inline", "select 1 as one", check=False, INSIGHT_HUB_TARGET="prod")
    assert completed.returncode != 0
    assert "INSIGHT_HUB_MASTER_KEY is not set" in completed.stdout + completed.stderr
