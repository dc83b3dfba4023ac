"""Pseudonymisation holds against an attacker (issue 10, items 3 and 4).

Rules guarded:
- tokens are HMAC-SHA256 (RFC 2104) keyed per commission and domain-separated,
  exactly `pseudonymisation.token()`, for any text (non-ASCII, backslashes,
  empty) and NULL for NULL, computed by SQL functions that hold the key;
- no SQL reads a key: not through variables, settings, function
  introspection, env_var() or any file (/proc/self/environ, a key file), not
  in a model nor in `dbt show`; SQL writes no file outside the landing folder
  and seeds; the build's artifacts hold no key bytes in any encoding;
- a connection without the plugin cannot tokenise;
- production refuses the published demo key and any key that is not at least
  32 random bytes, with one line naming DBT_ENV_SECRET_INSIGHT_HUB_MASTER_KEY.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import json
import os
import re
import secrets
from pathlib import Path

import duckdb
import pytest
from dbt_project import PROJECT_ROOT, Workspace, copy_project

from insight_hub import pseudonymisation

# RFC 4231 test cases whose data is text (cases 3 and 4 use non-UTF-8 bytes).
RFC_4231 = [
    (b"\x0b" * 20, "Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
    (b"Jefe", "what do ya want for nothing?", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
    (
        b"\xaa" * 131,
        "Test Using Larger Than Block-Size Key - Hash Key First",
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
    ),
    (
        b"\xaa" * 131,
        "This is a test using a larger than block-size key and a larger than block-size data. "
        "The key needs to be hashed before being used by the HMAC algorithm.",
        "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
    ),
]
TRICKY_VALUES = [
    "Zoë O'Brien",
    "ZOE",
    "d’Souza",
    "a\\x41b",
    "\\x41",
    "日本語",
    "NW4 4BT",
    "9434765919",
    "",
    "a\x1fb",
    None,
]
COMMISSION = "IH-2026-001"
TEST_MASTER_KEY = b"a test master key, not the demo one, 48 chars long"


def _commissions() -> list[str]:
    with (PROJECT_ROOT / "seeds/governance/commissions.csv").open(newline="", encoding="utf-8") as handle:
        return [row["commission_id"] for row in csv.DictReader(handle)]


def _tokenising_connection(commissions: list[str] | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    functions = pseudonymisation.token_functions(TEST_MASTER_KEY, commissions or _commissions())
    pseudonymisation.register_token_functions(con, functions)
    return con


def _expected(value: str | None, domain: str = "surname", commission: str = COMMISSION) -> str | None:
    key = pseudonymisation.commission_key(TEST_MASTER_KEY, commission)
    return None if value is None else pseudonymisation.token(key, domain, value)


# --- the tokens are the documented HMAC ------------------------------------------------------------


def test_hmac_matches_rfc_4231() -> None:
    for key, message, expected in RFC_4231:
        data = message.encode()
        for split in (0, 4, len(data)):  # the prefix the states absorb, then the rest
            states = pseudonymisation.hmac_sha256_states(key, data[:split])
            assert pseudonymisation.hmac_sha256_hex(states, data[split:]) == expected
        assert hmac.new(key, data, hashlib.sha256).hexdigest() == expected


def test_token_function_equals_token_for_tricky_text_and_null() -> None:
    con = _tokenising_connection()
    rows = con.execute(
        "select value, insight_hub_token(?, 'surname', value) from unnest(?::varchar[]) as t(value)",
        [COMMISSION, TRICKY_VALUES],
    ).fetchall()
    assert rows == [(value, _expected(value)) for value in TRICKY_VALUES]
    # encode() of the UTF-8 text, never a cast that reads "\x41" as a byte
    assert dict(rows)["a\\x41b"] != _expected("aAb")


def test_list_function_equals_token_per_element() -> None:
    con = _tokenising_connection()
    lists = [["SMITH", "SMTH", None, "Zoë"], [], None, ["日本語"], ["\\x41", ""]]
    rows = con.execute(
        "select insight_hub_tokens(?, 'surname_edit', values) from unnest(?::varchar[][]) as t(values)",
        [COMMISSION, lists],
    ).fetchall()
    assert [row[0] for row in rows] == [
        None if values is None else [_expected(v, "surname_edit") for v in values] for values in lists
    ]


def test_tokens_of_many_rows_mixed_keys_and_a_small_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Across Arrow batches (2,048 rows), with commissions and domains that vary
    by row and a cache emptied many times over, every token is still token()."""
    monkeypatch.setattr(pseudonymisation, "TOKEN_CACHE_SIZE", 7)
    commissions = ["IH-2026-001", "IH-2027-002"]
    con = _tokenising_connection(commissions)
    rows = con.execute(
        """
        select commission_id, domain, value, insight_hub_token(commission_id, domain, value)
        from (
            select
                (?::varchar[])[1 + i % 2] as commission_id,
                ['surname', 'forename', 'postcode'][1 + i % 3] as domain,
                case when i % 11 = 0 then null else 'NAME ' || (i % 300) end as value
            from range(5000) as t(i)
        )
        """,
        [commissions],
    ).fetchall()
    assert len({(c, d) for c, d, _, _ in rows}) == 6
    assert all(tok == _expected(v, d, c) for c, d, v, tok in rows)


def test_tokens_are_domain_separated_and_per_commission() -> None:
    one = pseudonymisation.commission_key(TEST_MASTER_KEY, "IH-2026-001")
    two = pseudonymisation.commission_key(TEST_MASTER_KEY, "IH-2026-002")
    assert pseudonymisation.token(one, "nhs_number", "9434765919") != pseudonymisation.token(
        one, "surname", "9434765919"
    )
    assert pseudonymisation.token(one, "surname", "SMITH") != pseudonymisation.token(two, "surname", "SMITH")


def test_unknown_commission_and_bad_domain_are_refused() -> None:
    con = _tokenising_connection()
    with pytest.raises(duckdb.Error, match="insight_hub_token: no key for commission 'IH-1999-999'"):
        con.execute("select insight_hub_token('IH-1999-999', 'surname', 'SMITH')").fetchall()
    with pytest.raises(duckdb.Error, match="insight_hub_token: domain 'Surname' is not lower_snake_case"):
        con.execute("select insight_hub_token(?, 'Surname', 'SMITH')", [COMMISSION]).fetchall()
    with pytest.raises(duckdb.Error, match="insight_hub_token: domain None is not lower_snake_case"):
        con.execute("select insight_hub_tokens(?, null, ['SMITH'])", [COMMISSION]).fetchall()


def test_macros_compile_to_the_token_functions(tmp_path: Path) -> None:
    """pseudonymise and pseudonymise_each, as staging calls them, give token()
    of each value; a bad domain stops compilation."""
    workspace = Workspace(tmp_path)
    values = [v for v in TRICKY_VALUES if v is not None]
    literal = "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"
    sql = (
        f"select value, {{{{ pseudonymise('value', 'surname', '{COMMISSION}') }}}} as token, "
        f"{{{{ pseudonymise_each('[value, null]', 'surname', '{COMMISSION}') }}}} as tokens "
        f"from unnest({literal}) as t(value)"
    )
    completed = workspace.dbt("compile", "--quiet", "--output", "json", "--inline", sql)
    compiled = json.loads(completed.stdout[completed.stdout.index("{") :])["compiled"]
    rows = _tokenising_connection().execute(compiled).fetchall()
    assert rows == [(v, _expected(v), [_expected(v), None]) for v in values]
    bad = workspace.dbt(
        "compile", "--inline", f"select {{{{ pseudonymise('x', 'Bad-Domain', '{COMMISSION}') }}}}", check=False
    )
    assert bad.returncode != 0 and "domain 'Bad-Domain' must be a lower_snake_case literal" in bad.stdout


def test_a_connection_without_the_plugin_cannot_tokenise(built_borough: Workspace) -> None:
    """The staging views fail on a plain connection instead of producing unkeyed hashes."""
    with duckdb.connect(str(built_borough.warehouse), read_only=True) as con:
        with pytest.raises(duckdb.Error):
            con.execute("select surname_token from staging.stg_housing__housing_register limit 1").fetchall()


# --- no SQL reads the key ------------------------------------------------------------------------------


def _encodings(secret: bytes) -> dict[str, bytes]:
    """The forms a key could leak in: raw bytes, hex either case, base64 and base64url."""
    return {
        "raw": secret,
        "hex": secret.hex().encode(),
        "HEX": secret.hex().upper().encode(),
        "base64": base64.b64encode(secret).rstrip(b"="),
        "base64url": base64.urlsafe_b64encode(secret).rstrip(b"="),
    }


def _key_material(master_key: str) -> dict[str, bytes]:
    """Every encoding of the master key (its text and the bytes it encodes), of
    each commission key, and of each key's RFC 2104 pads (what main kept in
    session variables)."""
    master = master_key.encode()
    secrets_ = {"master key": master}
    decoded = base64.urlsafe_b64decode(master_key + "=" * (-len(master_key) % 4))
    secrets_["master key bytes"] = decoded
    for commission in _commissions():
        key = pseudonymisation.commission_key(master, commission)
        block = key.ljust(64, b"\x00")
        secrets_ |= {
            f"{commission} key": key,
            f"{commission} inner pad": bytes(b ^ 0x36 for b in block),
            f"{commission} outer pad": bytes(b ^ 0x5C for b in block),
        }
    return {
        f"{label} ({form})": needle for label, secret in secrets_.items() for form, needle in _encodings(secret).items()
    }


def _leaks(content: bytes, needles: dict[str, bytes]) -> list[str]:
    return [label for label, needle in needles.items() if needle in content]


# Each probe is one model: it either fails or its rows hold no key material.
PROBES = {
    "probe_session_variables": """
        select hex(getvariable('insight_hub_ipad:IH-2026-001')) as found
        union all select hex(getvariable('insight_hub_opad:IH-2026-001'))
        union all select name || '=' || coalesce(value, '') || '=' || coalesce(hex(try_cast(value as blob)), '')
        from duckdb_variables()""",
    "probe_settings": """
        select name || '=' || coalesce(value, '') as found from duckdb_settings()
        union all select current_setting('allowed_directories')::varchar""",
    "probe_functions": """
        select concat_ws('|', schema_name, function_name, function_type, description, comment::varchar,
                         tags::varchar, return_type, parameters::varchar, parameter_types::varchar, varargs,
                         macro_definition, examples::varchar) as found
        from duckdb_functions()""",
    "probe_environ_text": "select content as found from read_text('/proc/self/environ')",
    "probe_environ_blob": "select hex(content) as found from read_blob('/proc/self/environ')",
    "probe_environ_csv": "select * from read_csv('/proc/self/environ', header = false, columns = {'found': 'varchar'})",
    "probe_parent_environ": "select content as found from read_text('/proc/self/../1/environ')",
    "probe_cmdline": "select content as found from read_text('/proc/self/cmdline')",
    "probe_maps": "select content as found from read_text('/proc/self/maps')",
    "probe_proc_glob": "select file as found from glob('/proc/self/*')",
    "probe_key_file": "select content as found from read_text('{key_file}')",
    "probe_landing_traversal": "select content as found from read_text('{landing}/../master.key')",
    "probe_write_elsewhere": """
        {% if execute %}{% do run_query("copy (select 1 as x) to '{exfiltrated}'") %}{% endif %}
        select 'written' as found""",
    "probe_reenable_access": """
        {% if execute %}{% do run_query("set enable_external_access = true") %}{% endif %}
        select 'enabled' as found""",
}
PROBE_CONFIG = (
    "{{ config(materialized='table', meta={'identifiability': 'none', 'data_category': 'none', "
    "'retention_class': 'reference_data'}) }}\n"
)
# The SQL an analyst would type into `dbt show --inline`: every probe that does not touch a file.
SHOW_PROBE = (
    PROBES["probe_session_variables"]
    + " union all "
    + PROBES["probe_settings"]
    + " union all "
    + PROBES["probe_functions"]
)
# env_var() of the key, rendered while dbt parses, before the plugin takes the key out of the environment:
# dbt refuses a DBT_ENV_SECRET_ variable outside profiles.yml, so it never reaches partial_parse.msgpack.
ENV_VAR_PROBE = "select '{{ env_var(\"" + pseudonymisation.MASTER_KEY_ENV + '", "") }}\' as found'


@pytest.fixture(scope="module")
def probed(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A copy of the project with one probe model per way of reading the key,
    built under a fresh random key kept also in a key file beside the workspace."""
    root = tmp_path_factory.mktemp("probed")
    master_key = secrets.token_urlsafe(32)
    workspace = Workspace(root / "run", project=copy_project(root / "project"), master_key=master_key)
    workspace.landing.mkdir(parents=True)
    key_file = workspace.root / "master.key"
    key_file.write_text(master_key)
    exfiltrated = root / "exfiltrated.csv"
    probes = workspace.project / "models" / "probes"
    probes.mkdir()
    for name, sql in PROBES.items():
        text = (
            sql.replace("{key_file}", str(key_file))
            .replace("{landing}", str(workspace.landing))
            .replace("{exfiltrated}", str(exfiltrated))
        )
        (probes / f"{name}.sql").write_text(PROBE_CONFIG + text)
    run = workspace.dbt("run", "--select", "path:models/probes", check=False)
    results = {
        result["unique_id"].split(".")[-1]: result
        for result in json.loads((workspace.target / "run_results.json").read_text())["results"]
        if result["unique_id"].startswith("model.")
    }
    show = workspace.dbt("show", "--limit", "-1", "--output", "json", "--inline", SHOW_PROBE, check=False)
    show_environ = workspace.dbt("show", "--inline", PROBES["probe_environ_text"], check=False)
    show_env_var = workspace.dbt("show", "--inline", ENV_VAR_PROBE, check=False)
    # last, because a model that reads the key stops the whole project parsing
    (probes / "probe_env_var.sql").write_text(PROBE_CONFIG + ENV_VAR_PROBE)
    parse_env_var = workspace.dbt("parse", check=False)
    rows = {}
    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        for name, result in results.items():
            if result["status"] == "success":
                located = con.execute("select schema_name from duckdb_tables() where table_name = ?", [name]).fetchone()
                assert located is not None, f"{name} ran successfully but left no table"
                (schema,) = located
                rows[name] = [value for (value,) in con.execute(f'select found from "{schema}"."{name}"').fetchall()]
    return {
        "workspace": workspace,
        "needles": _key_material(master_key),
        "run": run,
        "show": show,
        "show_environ": show_environ,
        "show_env_var": show_env_var,
        "parse_env_var": parse_env_var,
        "results": results,
        "rows": rows,
        "exfiltrated": exfiltrated,
    }


def test_no_probe_model_reads_the_key(probed: dict) -> None:
    results, rows, needles = probed["results"], probed["rows"], probed["needles"]
    assert set(results) == set(PROBES), probed["run"].stdout[-3000:]
    for name, found in rows.items():
        content = "\n".join(str(value) for value in found).encode()
        assert not _leaks(content, needles), f"{name} read {_leaks(content, needles)}"
    # no session variable holds anything of the Hub's (main kept the pads there)
    assert not [value for value in rows["probe_session_variables"] if value is not None]
    assert any("insight_hub_token" in str(value) for value in rows["probe_functions"])


def test_sql_reads_and_writes_no_file_outside_the_build_folders(probed: dict) -> None:
    results = probed["results"]
    file_probes = [
        name for name in PROBES if name not in ("probe_session_variables", "probe_settings", "probe_functions")
    ]
    for name in file_probes:
        assert results[name]["status"] == "error", f"{name} ran: {probed['rows'].get(name, [])[:1]}"
        assert re.search("disabled by configuration|Cannot enable external access", results[name]["message"]), (
            f"{name}: {results[name]['message']}"
        )
    assert not probed["exfiltrated"].exists()


def test_dbt_show_reads_no_key(probed: dict) -> None:
    show, show_environ, needles = probed["show"], probed["show_environ"], probed["needles"]
    assert show.returncode == 0, show.stdout[-3000:]
    assert "allowed_directories" in show.stdout  # the settings really were listed
    assert not _leaks((show.stdout + show.stderr).encode(), needles)
    assert show_environ.returncode != 0
    assert "disabled by configuration" in show_environ.stdout
    assert not _leaks((show_environ.stdout + show_environ.stderr).encode(), needles)


def test_env_var_of_the_key_is_refused_in_models_and_dbt_show(probed: dict) -> None:
    for run in (probed["show_env_var"], probed["parse_env_var"]):
        assert run.returncode != 0
        assert "Secret env vars are allowed only in profiles.yml or packages.yml" in run.stdout, run.stdout[-3000:]
        assert not _leaks((run.stdout + run.stderr).encode(), probed["needles"])


def test_no_key_material_in_the_probed_artifacts(probed: dict) -> None:
    workspace = probed["workspace"]
    _assert_no_key_material(workspace, probed["needles"])


def test_no_key_material_in_any_artifact(built_borough: Workspace) -> None:
    assert built_borough.master_key is not None, "conftest builds the borough under a generated key"
    _assert_no_key_material(built_borough, _key_material(built_borough.master_key))


def _assert_no_key_material(workspace: Workspace, needles: dict[str, bytes]) -> None:
    searched = [
        p
        for folder in (workspace.target, workspace.logs, workspace.warehouse.parent)
        for p in folder.rglob("*")
        if p.is_file()
    ]
    assert any(p.suffix == ".duckdb" for p in searched) and any(p.name == "dbt.log" for p in searched)
    for path in searched:
        leaks = _leaks(path.read_bytes(), needles)
        assert not leaks, f"{leaks} in {path}"


def test_the_key_leaves_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    key = secrets.token_urlsafe(32)
    monkeypatch.setenv(pseudonymisation.MASTER_KEY_ENV, key)
    assert pseudonymisation.resolve_master_key(allow_demo_key=False) == (key.encode(), None)
    assert pseudonymisation.MASTER_KEY_ENV not in os.environ


# --- production refuses weak keys ----------------------------------------------------------------------

WEAK_KEYS = {
    "demo key": (pseudonymisation.DEMO_MASTER_KEY, "is the published demo key"),
    "short": ("too short", "is not the hex, base64 or base64url text of random bytes"),
    "40 letters": ("x" * 40, "decodes to 30 bytes, fewer than 32"),
    "24 random bytes": (secrets.token_urlsafe(24), "decodes to 24 bytes, fewer than 32"),
    "repeated bytes in hex": ("ab" * 32, "decodes to repeated or readable bytes"),
    "a pattern in base64": (base64.b64encode(bytes(range(8)) * 8).decode(), "decodes to repeated or readable bytes"),
    "text in hex": (b"correct horse battery staple, and more".hex(), "decodes to repeated or readable bytes"),
    "bad base64": ("A" * 41, "is not valid base64"),
}
GOOD_KEYS = [
    secrets.token_urlsafe(32),
    secrets.token_hex(32),
    base64.b64encode(secrets.token_bytes(32)).decode(),
    secrets.token_urlsafe(64),
]


@pytest.mark.parametrize("label", WEAK_KEYS)
def test_weak_keys_are_refused_in_production_and_warned_about_elsewhere(
    label: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    key, reason = WEAK_KEYS[label]
    monkeypatch.setenv(pseudonymisation.MASTER_KEY_ENV, key)
    with pytest.raises(pseudonymisation.MasterKeyError, match=re.escape(reason)) as refused:
        pseudonymisation.resolve_master_key(allow_demo_key=False)
    assert "\n" not in str(refused.value) and "secrets.token_urlsafe(32)" in str(refused.value)
    monkeypatch.setenv(pseudonymisation.MASTER_KEY_ENV, key)
    assert pseudonymisation.resolve_master_key(allow_demo_key=True) == (key.encode(), str(refused.value)[:-1])


def test_good_keys_are_accepted_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in GOOD_KEYS:
        monkeypatch.setenv(pseudonymisation.MASTER_KEY_ENV, key)
        assert pseudonymisation.resolve_master_key(allow_demo_key=False) == (key.encode(), None), key


def test_no_key_falls_back_to_the_demo_key_only_outside_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(pseudonymisation.MASTER_KEY_ENV, raising=False)
    key, warning = pseudonymisation.resolve_master_key(allow_demo_key=True)
    assert key == pseudonymisation.DEMO_MASTER_KEY.encode()
    assert warning is not None and "using the published demo key" in warning
    with pytest.raises(pseudonymisation.MasterKeyError, match="not set"):
        pseudonymisation.resolve_master_key(allow_demo_key=False)


@pytest.mark.parametrize(
    "key, message",
    [
        (None, "DBT_ENV_SECRET_INSIGHT_HUB_MASTER_KEY is not set"),
        (pseudonymisation.DEMO_MASTER_KEY, "DBT_ENV_SECRET_INSIGHT_HUB_MASTER_KEY is the published demo key"),
        ("x" * 40, "DBT_ENV_SECRET_INSIGHT_HUB_MASTER_KEY decodes to 30 bytes, fewer than 32"),
    ],
)
def test_prod_target_refuses_to_run_without_a_production_key(tmp_path: Path, key: str | None, message: str) -> None:
    completed = Workspace(tmp_path, master_key=key).dbt(
        "show", "--inline", "select 1 as one", check=False, INSIGHT_HUB_TARGET="prod"
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode != 0
    lines = [line for line in output.splitlines() if message in line]
    assert lines and "secrets.token_urlsafe(32)" in lines[0], output[-2000:]


def test_prod_target_runs_with_a_production_key_and_test_warns_about_a_weak_one(tmp_path: Path) -> None:
    strong = Workspace(tmp_path / "strong", master_key=secrets.token_urlsafe(32))
    assert "one" in strong.dbt("show", "--inline", "select 1 as one", INSIGHT_HUB_TARGET="prod").stdout
    weak = Workspace(tmp_path / "weak", master_key="x" * 40).dbt("show", "--inline", "select 1 as one")
    assert "DBT_ENV_SECRET_INSIGHT_HUB_MASTER_KEY decodes to 30 bytes" in weak.stdout and "NOT secret" in weak.stdout
