"""Every macro is documented and its SQL is linted where it is rendered.

Rules guarded (CONVENTIONS: "a macro does one thing, has a docstring in macros/_macros.yml, and a test
that calls it"; macros/_macros.yml): sqlfluff cannot lint a file of macro definitions by itself (the dbt
templater skips macros, and a file of definitions renders to nothing), so make lint lints the models and
tests/dbt, where macros are rendered; this test proves that covers every macro of the project: each is
rendered, directly or through another macro, by a model or a singular dbt test, or is one of the hooks,
operations and adapter overrides named below with the pytest that runs it. Each is documented, an
adapter.dispatch implementation (default__x) by its dispatcher's entry.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from dbt_project import Workspace

# Rendered by dbt itself rather than by a linted file, each run end to end by the tests named.
NOT_RENDERED_IN_A_LINTED_FILE = {
    "enforce_governance": "on-run-start hook (test_governance.py: the hook fails a broken build)",
    "governance_violations": "called by enforce_governance",
    "record_build": "on-run-end hook (test_export.py: the build record)",
    "manifest_text": "called by record_build",
    "purge_expired": "dbt run-operation (test_retention.py: dry run, apply, idempotent)",
    "expired_commissions": "called by purge_expired",
    "audit_insert": "called by purge_expired",
    "generate_schema_name": "dbt's own, overridden (test_marts.py: each layer is its schema)",
    "duckdb__apply_grants": "dbt-duckdb's own, overridden (test_marts.py: no grant warning)",
    "duckdb__collect_freshness": "dbt's own, overridden (test_bad_input.py: source freshness reads only accepted files)",
}


@pytest.fixture(scope="module")
def manifest(built_borough: Workspace) -> dict:
    return json.loads(Path(built_borough.target, "manifest.json").read_text())


def _project_macros(manifest: dict) -> dict[str, dict]:
    return {uid: macro for uid, macro in manifest["macros"].items() if macro["package_name"] == "insight_hub"}


def _dispatcher(name: str) -> str:
    return name.split("__", 1)[1] if name.startswith("default__") else name


def test_every_macro_is_documented(manifest: dict) -> None:
    macros = _project_macros(manifest)
    documented = {macro["name"] for macro in macros.values() if macro["description"].strip()}
    missing = sorted(m["name"] for m in macros.values() if _dispatcher(m["name"]) not in documented)
    assert not missing, f"macros without a description in macros/_macros.yml: {missing}"


def test_every_macro_is_rendered_in_a_file_sqlfluff_lints(manifest: dict) -> None:
    macros = _project_macros(manifest)
    by_name = {macro["name"]: uid for uid, macro in macros.items()}
    call = re.compile(r"\b(" + "|".join(map(re.escape, by_name)) + r")\s*\(")

    def called(uid: str, jinja: str) -> set[str]:
        # dbt records the calls it renders while parsing; a call inside {% if execute %} shows only in the text
        return set(manifest["macros"].get(uid, {}).get("depends_on", {}).get("macros", [])) | {
            by_name[name] for name in call.findall(jinja)
        }

    linted = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] in ("model", "test")
        and node["original_file_path"].startswith(("models/", "tests/dbt/"))
        and node["original_file_path"].endswith(".sql")  # a test defined in YAML is not a file sqlfluff reads
    ]
    stack = [uid for node in linted for uid in set(node["depends_on"].get("macros", [])) | called("", node["raw_code"])]
    rendered: set[str] = set()
    while stack:
        uid = stack.pop()
        if uid not in rendered:
            rendered.add(uid)
            stack.extend(called(uid, manifest["macros"].get(uid, {}).get("macro_sql", "")))
    unlinted = sorted(
        macro["name"]
        for uid, macro in _project_macros(manifest).items()
        if uid not in rendered and _dispatcher(macro["name"]) not in NOT_RENDERED_IN_A_LINTED_FILE
    )
    assert not unlinted, f"macros no model or dbt test renders (so sqlfluff never reads them): {unlinted}"
    stale = sorted(set(NOT_RENDERED_IN_A_LINTED_FILE) - {m["name"] for m in _project_macros(manifest).values()})
    assert not stale, f"NOT_RENDERED_IN_A_LINTED_FILE names macros that no longer exist: {stale}"
