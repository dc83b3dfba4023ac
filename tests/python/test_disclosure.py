"""What leaves the Hub is disclosure-controlled: proved by attacking the files the export command writes
for every approved recipient (insight_hub.disclosure_attack), the outsider's way, with the truth (the
unrounded marts of the small borough) held back to judge the attack.

Rules guarded:
- every approved recipient gets its outputs; outputs go only to approved, in-date recipients, and
  commercially licensed outputs only to recipients the licence clears; no file holds a person-level key;
- no published count lies between 1 and the recipient's threshold, every count is a multiple of its
  rounding base, a true zero is published as 0; a withheld count is null and marked [c] (never 0), and
  every figure computed from it (rates, intervals, ratios, comparisons, shares, benchmarks) is withheld;
- the files of one pool (recipients under one commission and rule may pool) agree: a count published in
  one is not withheld, nor published differently, in another;
- attack 1: no published count can be recovered beyond its rounding range from the columns it ships
  with (rates, intervals, ratios, comparisons, shares, Jaccard indices, representation ratios), and no
  total no file publishes (a benchmark) comes out exactly unrounded; the attack itself recovers the true
  counts from columns computed from them (the marts' own columns), so a pass means something;
- attack 2: no withheld count is pinned to one value by every relation the documentation implies across
  all the files of a pool and across families (areas within areas, wards against LSOAs, IMD deciles,
  segments and the borough, bands against their totals and against service demand), and no published
  count is pinned to another value than its own; every relation the attack writes holds on the truth
  (supersedes the differencing and null-space tests);
- attack 3: two successive builds (without, then with the latest deliveries) give no count's change
  exactly, a change of one person included;
- the attack reads files only, refuses a CSV and Parquet file that disagree, and exits non-zero on
  anything it recovers;
- secondary suppression converged on the real outputs (its dbt test passed), and every sharing model
  runs disclosure_safe and has an attack written for it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import approved_pairs
from dbt_project import PROJECT_ROOT, Workspace

from insight_hub import disclosure_attack as attack

# Each share's mart, and the mart columns holding what the share publishes under another name (None: a
# mart column of the share's name that is not what the share publishes).
MARTS = {
    "share_borough_service_demand": (
        "borough_service_demand",
        {
            "located_people_count": "people_known_count",
            "located_households_count": "households_known_count",
            "located_people_rate_per_1000": "people_known_rate_per_1000",
            "located_households_rate_per_1000": "households_known_rate_per_1000",
            **{
                f"{measure}_known_rate_per_1000_ci_{bound}": None
                for measure in ("people", "households")
                for bound in ("lower", "upper")
            },
        },
    ),
    "share_ward_service_demand": ("ward_service_demand", {}),
    "share_lsoa_service_demand": ("lsoa_service_demand", {}),
    "share_ward_community_safety_demand": ("ward_community_safety_demand", {}),
    "share_ward_service_first_contacts": ("ward_service_first_contacts", {}),
    "share_service_overlap": ("service_overlap", {}),
    "share_service_equalities": ("service_equalities", {}),
    "share_ward_multiple_needs": ("ward_multiple_needs", {}),
    "share_imd_decile_multiple_needs": ("imd_decile_multiple_needs", {}),
    "share_segment_multiple_needs": ("segment_multiple_needs", {}),
    "share_ward_financial_vulnerability": ("ward_financial_vulnerability", {}),
}
# Totals no share publishes, as the sum of one level's cells: (family, level of the parts).
UNPUBLISHED_TOTALS = (("needs", "ward"), ("segment", "segment"), ("vulnerability", "ward"))


def _marts(warehouse: Path) -> dict[str, pd.DataFrame]:
    """Each share's mart, its columns named as the share names them."""
    frames = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for share, (mart, renames) in MARTS.items():
            frame = con.execute(f"select * from marts.{mart}").df()
            replaced = [c for c in frame if c in renames.values() or renames.get(c, c) is None]
            frames[share] = frame.drop(columns=replaced).rename(columns=renames)
    return frames


def _truth(marts: dict[str, pd.DataFrame], warehouse: Path) -> pd.Series:
    """The true value of every cell an attack can name, by cell: everyone known to each service (all
    of them, located or not) as well as what the shares publish."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        everyone = con.execute(
            "select 'demand|people:' || service_code || '|all|' as cell, people_known_count as value "
            "from marts.borough_service_demand union all "
            "select 'demand|households:' || service_code || '|all|', households_known_count "
            "from marts.borough_service_demand"
        ).df()
    cells = pd.concat(
        [everyone, *(attack.share_cells(share, frame)[["cell", "value"]] for share, frame in marts.items())]
    )
    truth = cells.drop_duplicates("cell").set_index("cell")["value"]
    parsed = attack._parsed(truth.index.to_series())
    for family, level in UNPUBLISHED_TOTALS:
        parts = parsed[(parsed["family"] == family) & (parsed["level"] == level) & (parsed["area"] != "")]
        totals = truth[parts["cell"]].groupby((family + "|" + parts["measure"] + "|borough|").to_numpy()).sum()
        truth = pd.concat([truth, totals[~totals.index.isin(truth.index)]])
    return truth


@pytest.fixture(scope="module")
def truth(built_borough: Workspace) -> pd.Series:
    return _truth(_marts(built_borough.warehouse), built_borough.warehouse)


@pytest.fixture(scope="module")
def tables(borough_exports: Path) -> list[attack.Table]:
    return attack.read_exports(borough_exports)


@pytest.fixture(scope="module")
def audited(borough_exports: Path) -> list[attack.PoolAudit]:
    return attack.audit_build(borough_exports)


def _print_audit(result: attack.Audit, folders: list[Path]) -> None:
    print("\n".join(attack.report(result, folders, limit=3)))


# ------------------------------------------------------------------------------------------------
# What is exported, and to whom


def test_every_approved_recipient_gets_its_outputs(borough_exports: Path) -> None:
    exported = {
        (m["recipient_type"], m["commission_id"])
        for m in (json.loads(p.read_text()) for p in borough_exports.rglob("manifest.json"))
    }
    assert exported == set(approved_pairs())


def test_outputs_go_only_to_approved_and_licence_cleared_recipients(
    tables: list[attack.Table], built_borough: Workspace
) -> None:
    with duckdb.connect(str(built_borough.warehouse), read_only=True) as con:
        approvals = {
            row[0]: row[1:]
            for row in con.execute(
                "select approval_id, recipient_type, commission_id, output_model from governance.sharing_approvals"
            ).fetchall()
        }
        cleared = {
            row[0]
            for row in con.execute(
                "select recipient_type from governance.licence_clearances "
                "where source_name = 'demograph.household_segments_postcode'"
            ).fetchall()
        }
    for table in tables:
        pairs = table.frame[["approval_id", "commission_id"]].drop_duplicates()
        for approval, commission in pairs.itertuples(index=False):
            recipient, approved_commission, output = approvals[approval]
            assert (table.recipient, commission, "share_" + output) == (recipient, approved_commission, table.name)
        if table.name == "share_segment_multiple_needs":
            assert table.recipient in cleared, f"{table.name} went to '{table.recipient}', not cleared by the licence"


def test_sharing_outputs_hold_no_person_level_keys(tables: list[attack.Table]) -> None:
    for table in tables:
        assert not [c for c in table.frame.columns if c.endswith(("_token", "_key"))], table.name


# ------------------------------------------------------------------------------------------------
# The rule, cell by cell


def test_no_small_count_and_every_count_rounded(tables: list[attack.Table]) -> None:
    published = withheld = 0
    for table in tables:
        cells = attack.share_cells(table.name, table.frame)
        rows = table.frame.loc[cells["row"]].reset_index(drop=True)
        status = pd.concat(
            [table.frame[f"{c}_status"] for c in attack.SHARES[table.name].counts if c in table.frame],
            ignore_index=True,
        )
        where = table.name + "." + cells["column"]
        hidden = cells[cells["is_withheld"]]
        assert hidden["value"].isna().all(), f"{where[hidden['value'].notna()].iloc[0]}: a withheld count has a value"
        shown = cells[~cells["is_withheld"]]
        assert status[~cells["is_withheld"]].isna().all(), f"{table.name}: a published count has a status"
        assert shown["value"].notna().all(), f"{where[shown['value'].isna()].iloc[0]}: a null count is not marked [c]"
        small = shown["value"].between(1, rows.loc[shown.index, "suppress_up_to"])
        assert not small.any(), f"{where[small[small].index[0]]} = {shown['value'][small].iloc[0]:g} is a small count"
        unrounded = shown["value"] % rows.loc[shown.index, "rounding_base"] != 0
        assert not unrounded.any(), f"{where[unrounded[unrounded].index[0]]} is not rounded"
        published, withheld = published + len(shown), withheld + len(hidden)
    assert published and withheld, "the small borough should publish some counts and withhold others"


def test_zero_is_published_as_zero(tables: list[attack.Table], truth: pd.Series) -> None:
    """A true zero reads as 0, never as withheld: only non-zero counts are suppressed."""
    cells = pd.concat([attack.share_cells(t.name, t.frame) for t in tables])
    zeros = cells[cells["cell"].map(truth) == 0]
    assert len(zeros), "the small borough has true zeros"
    assert (~zeros["is_withheld"] & (zeros["value"] == 0)).all()


def test_figures_are_withheld_with_any_count_they_come_from(audited: list[attack.PoolAudit]) -> None:
    checked = 0
    for audit in audited:
        withheld = set(audit.pool.cells.loc[audit.pool.cells["is_withheld"], "cell"])
        for table in audit.pool.tables:
            spec = attack.SHARES[table.name]
            for derived in spec.derived:
                for reference in derived.counts:
                    from_withheld = attack.cell_ids(spec.cell_template(reference), table.frame).isin(withheld)
                    shown = table.frame.loc[from_withheld, derived.column].notna()
                    assert not shown.any(), (
                        f"{table.name}.{derived.column} is published although {reference} is withheld"
                    )
                    checked += int(from_withheld.sum())
    assert checked, "no withheld count had a figure to check"


def test_the_files_of_a_pool_agree(audited: list[attack.PoolAudit]) -> None:
    findings = [f"{a.pool.label}: {finding}" for a in audited for finding in a.pool.findings]
    assert not findings, f"{len(findings)} cells disagree between files, e.g. {findings[:3]}"


# ------------------------------------------------------------------------------------------------
# Attack 1: each published count from the columns it ships with


def _with_true_figures(tables: list[attack.Table], marts: dict[str, pd.DataFrame], folder: Path) -> Path:
    """The exports as they would be if every published figure were computed from the true counts: each
    published derived column replaced by the mart's own column (null where the mart has none)."""
    for table in tables:
        spec = attack.SHARES[table.name]
        frame = table.frame.copy()
        figures = [d.column for d in spec.derived]
        if figures:
            keys = ["commission_id", *spec.areas]
            mart = marts[table.name]
            key_text = {k: attack._text(frame[k]) for k in keys}
            mart_keys = pd.DataFrame({k: attack._text(mart[k]) for k in keys})
            true = pd.DataFrame(key_text).merge(
                mart_keys.join(mart[[c for c in figures if c in mart]]), on=keys, how="left", validate="one_to_one"
            )
            for column in figures:
                frame[column] = (
                    true[column].where(frame[column].notna().to_numpy()).to_numpy() if column in true else pd.NA
                )
        out = folder / table.folder.relative_to(table.folder.parents[1])
        out.mkdir(parents=True, exist_ok=True)
        shutil.copy(table.folder / "manifest.json", out / "manifest.json")
        frame.to_parquet(out / f"{table.name}.parquet", index=False)
        frame.to_csv(out / f"{table.name}.csv", index=False)
    return folder


def test_attack_1_recovers_the_truth_from_figures_computed_from_it(
    tables: list[attack.Table], built_borough: Workspace, truth: pd.Series, tmp_path: Path
) -> None:
    """The attack works: on files whose figures are computed from the unrounded counts (as main's were),
    it recovers most published counts exactly, every one equal to the truth."""
    folder = _with_true_figures(tables, _marts(built_borough.warehouse), tmp_path / "exports")
    audits = attack.audit_build(folder)
    _print_audit(attack.Audit([audits], []), [folder])
    recovered = pd.concat([a.counts[a.counts["is_recovered"]] for a in audits])
    rated = pd.concat([a.counts[a.counts["published"].notna() & (a.counts["constraints"] > 0)] for a in audits])
    wrong = recovered[recovered["low"] != recovered["cell"].map(truth)]
    assert wrong.empty, (
        f"{len(wrong)} recovered counts are not the truth, e.g. {wrong[['cell', 'low']].head(3).values.tolist()}"
    )
    assert len(recovered) >= 0.9 * len(rated), f"only {len(recovered)} of {len(rated)} counts with figures recovered"
    assert sum(len(a.leaks) for a in audits) > 0.5 * len(rated), "the attack found too few counts beyond the rule"
    assert all(a.computed_from == "true counts" for a in audits)


def test_attack_1_no_count_recovered_beyond_the_rounding_rule(
    audited: list[attack.PoolAudit], truth: pd.Series, borough_exports: Path
) -> None:
    _print_audit(attack.Audit([audited], []), [borough_exports])
    leaks = pd.concat([a.leaks.assign(pool=a.pool.label) for a in audited])
    exact = (leaks["low"] == leaks["cell"].map(truth)).sum()
    assert leaks.empty, (
        f"{len(leaks)} counts recovered beyond the rounding rule from the columns they ship with ({exact} of them "
        f"the true count), e.g. "
        + "; ".join(f"{r.cell} published {r.published} recovered {r.low:g}" for r in leaks.head(3).itertuples())
    )


# ------------------------------------------------------------------------------------------------
# Attack 2: each withheld count from every combination of totals


def test_attack_2_relations_hold_on_the_truth(
    tables: list[attack.Table], audited: list[attack.PoolAudit], truth: pd.Series
) -> None:
    """Every relation the attack writes is true of the real counts: with each count fixed at its true
    value the programme stays feasible (a relation the documentation does not imply would break it)."""
    facts = attack.public_facts(tables)
    for audit in audited:
        relations, _ = attack.pool_relations(audit.pool, facts, audit.counts)
        cells = pd.concat([audit.pool.cells["cell"], relations.frames()[0]["cell"]]).drop_duplicates()
        unknown = cells[~cells.isin(truth.index) & ~cells.str.startswith("e|")]
        assert unknown.empty, f"{audit.pool.label}: no true value for {unknown.iloc[0]} (and {len(unknown) - 1} more)"
        true = cells[cells.isin(truth.index)]
        fixed = pd.DataFrame({"cell": true.to_numpy(), "low": truth[true].to_numpy(), "high": truth[true].to_numpy()})
        ranges = attack.attack_withheld(audit.pool, relations, fixed)
        assert (ranges["low"] == ranges["cell"].map(truth)).all()


def test_attack_2_no_withheld_count_exposed_by_the_totals(
    audited: list[attack.PoolAudit], truth: pd.Series, borough_exports: Path
) -> None:
    _print_audit(attack.Audit([audited], []), [borough_exports])
    exposed = pd.concat([pd.concat([a.exposed, a.pinned]) for a in audited])
    withheld = sum(int(a.ranges["is_withheld"].sum()) for a in audited)
    assert withheld, "no withheld counts to attack"
    assert exposed.empty, f"{len(exposed)} counts pinned by the totals, e.g. " + "; ".join(
        f"{r.cell} = {r.low:g} (true {truth.get(r.cell)})" for r in exposed.head(3).itertuples()
    )


# ------------------------------------------------------------------------------------------------
# Attack 3: two successive builds


def test_attack_3_no_change_of_one_person_between_builds(redelivered: dict) -> None:
    folders = [redelivered["later_exports"], redelivered["earlier_exports"]]
    result = attack.audit(folders)
    _print_audit(result, folders)
    (changes,) = result.changes
    assert len(changes), "the two builds share no counts"
    exposed = changes[changes["is_exposed"]]
    assert exposed.empty, f"{len(exposed)} changes between the builds come out exactly, e.g. " + "; ".join(
        f"{r.cell} changed by {r.change_low:+g}" for r in exposed.head(3).itertuples()
    )


# ------------------------------------------------------------------------------------------------
# The attack as a command


def _command(*folders: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "insight_hub.disclosure_attack", *map(str, folders)],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
    )


def test_the_command_attacks_the_exports_and_says_so(borough_exports: Path) -> None:
    """The command on one recipient's folder (the police's, the smallest): its exit status and last
    line say what the attacks found."""
    folder = borough_exports / "police"
    completed = _command(folder)
    clean = attack.audit([folder]).is_clean
    assert completed.returncode == (0 if clean else 1), completed.stderr
    verdict = (
        "nothing recovered beyond what the rounding rule releases"
        if clean
        else "DISCLOSIVE: the files give away more than the rounding rule releases"
    )
    assert completed.stdout.rstrip().endswith(verdict)


def test_the_command_refuses_files_that_disagree(borough_exports: Path, tmp_path: Path) -> None:
    copy = shutil.copytree(borough_exports, tmp_path / "exports")
    parquet = next(copy.rglob("share_ward_service_demand.parquet"))
    frame = pd.read_parquet(parquet)
    frame.loc[frame["people_known_count"].notna().idxmax(), "people_known_count"] += 5
    frame.to_parquet(parquet, index=False)
    completed = _command(copy)
    lines = completed.stderr.strip().splitlines()
    assert completed.returncode == 2 and len(lines) == 1, completed.stderr
    assert "share_ward_service_demand" in lines[0] and "people_known_count differs" in lines[0]


# ------------------------------------------------------------------------------------------------
# The build's own checks


def test_secondary_suppression_converged(built_borough: Workspace) -> None:
    """Each suppression family's convergence test (no constraint left with a single withheld cell after the
    last pass), run again here on the built warehouse from its compiled SQL."""
    manifest = json.loads(Path(built_borough.target, "manifest.json").read_text())
    families = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["name"].startswith("sdc_")
    ]
    tests = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test" and node["name"].endswith("__suppressed_is_converged")
    ]
    assert families and len(tests) == len(families), "each suppression family has a convergence test"
    with duckdb.connect(str(built_borough.warehouse), read_only=True) as con:
        for node in tests:
            sql = (
                node.get("compiled_code")
                or Path(
                    built_borough.target, "compiled", "insight_hub", node["original_file_path"], node["path"]
                ).read_text()
            )
            counted = con.execute(f"select count(*) from ({sql}) as unconverged").fetchone()
            assert counted is not None, "count(*) returns a row"
            (unconverged,) = counted
            assert unconverged == 0, f"{node['name']}: secondary suppression did not converge"


def test_every_sharing_model_runs_disclosure_safe_and_is_attacked(built_borough: Workspace) -> None:
    manifest = json.loads(Path(built_borough.target, "manifest.json").read_text())
    sharing = {
        node["unique_id"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and "sharing" in node["fqn"] and node["name"].startswith("share_")
    }
    tested = {
        parent
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test" and node.get("test_metadata", {}).get("name") == "disclosure_safe"
        for parent in node["depends_on"]["nodes"]
    }
    assert sharing == {f"model.insight_hub.{name}" for name in attack.SHARES}, (
        "a sharing model has no attack in insight_hub.disclosure_attack.SHARES"
    )
    assert sharing <= tested, f"sharing models without disclosure_safe: {sorted(sharing - tested)}"
    assert set(MARTS) == set(attack.SHARES), "a share has no mart to judge its attack against"
