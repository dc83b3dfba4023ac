"""The README's Performance section, written from the files the benchmarks save.

    python -m bench.report            # rewrite the section in README.md
    python -m bench.report --check    # exit 1 when README.md differs from bench/results/

Every figure in the section comes from a JSON file in bench/results/ that a
benchmark wrote (bench.build_timings, bench.linkage, bench.linkage_quality,
bench.pseudonymisation_cost, bench.febrl, bench.dashboard), with the commit, date and machine it was
measured on; nothing in it is typed by hand. tests/python/test_bench_report.py
fails when README.md and bench/results/ disagree.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bench.common import PROJECT_ROOT, RESULTS

README = PROJECT_ROOT / "README.md"
BEGIN = "<!-- performance: written by `python -m bench.report` from bench/results/; do not edit by hand -->"
END = "<!-- end of performance -->"


def _load(results: Path, name: str) -> dict[str, Any] | None:
    path = results / f"{name}.json"
    return json.loads(path.read_text()) if path.is_file() else None


def _measured(figures: dict[str, Any]) -> str:
    """Where and when a file's figures were measured."""
    run = figures["measured"]
    return f"commit {run['commit'][:7]}, {run['date']}, {run['cpus']} cores, {run['memory_gib']} GiB"


def _seconds(value: float) -> str:
    return f"{value:,.1f} s"


def _build_section(figures: dict[str, Any]) -> list[str]:
    scales = sorted(figures["scales"], key=float)
    by_scale = figures["scales"]
    layers = sorted({layer for scale in scales for layer in by_scale[scale]["seconds_by_layer"]})
    lines = [
        f"**Build** (`python -m bench.build_timings --scales {' '.join(scales)} --runs {figures['runs']}`: "
        f"medians of {figures['runs']} runs, each a fresh warehouse; {_measured(figures)})",
        "",
        "| | " + " | ".join(f"scale {scale}" for scale in scales) + " |",
        "| --- |" + " ---: |" * len(scales),
        "| records delivered | " + " | ".join(f"{by_scale[s]['records']:,}" for s in scales) + " |",
        "| generate the borough | "
        + " | ".join(_seconds(by_scale[s]["generate_seconds_median"]) for s in scales)
        + " |",
        "| `dbt build` | " + " | ".join(_seconds(by_scale[s]["dbt_build_seconds_median"]) for s in scales) + " |",
    ]
    for layer in layers:
        lines.append(
            f"| of which {layer} (dbt's execution time, last run) | "
            + " | ".join(_seconds(by_scale[s]["seconds_by_layer"].get(layer, 0.0)) for s in scales)
            + " |"
        )
    largest = by_scale[scales[-1]]
    slowest = ", ".join(f"`{m['model']}` {_seconds(m['seconds'])}" for m in largest["slowest_models"])
    return [*lines, "", f"Slowest models at scale {scales[-1]}: {slowest}.", ""]


def _linkage_section(figures: dict[str, Any]) -> list[str]:
    scales = sorted(figures["scales"], key=float)
    return [
        f"**The linkage's dbt models against bare Splink on the same token table** (`python -m bench.linkage "
        f"--scales {' '.join(scales)} --runs {figures['runs']}`: the sum of the linkage models' execution times "
        "against Splink's training, prediction and clustering run directly; medians; "
        f"{_measured(figures)})",
        "",
        "| scale | records | dbt models | bare Splink | ratio | records a second | seconds per 100,000 records |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *(
            f"| {s} | {f['records']:,} | {_seconds(f['inside_dbt_seconds_median'])} | "
            f"{_seconds(f['outside_dbt_seconds_median'])} | {f['ratio_inside_over_outside']:.2f} | "
            f"{f['records_per_second_inside_dbt']:,} | {f['seconds_per_100k_records_inside_dbt']:.2f} |"
            for s, f in ((s, figures["scales"][s]) for s in scales)
        ),
        "",
    ]


def _pseudonymisation_section(runs: list[tuple[str, dict[str, Any]]]) -> list[str]:
    return [
        "**Pseudonymisation** (`python -m bench.pseudonymisation_cost --scale 1.0 --runs 3`: the person-extract "
        "staging views computed with every token column against the same views without them; medians; "
        "`pseudonymisation_cost_scale_1_<label>.json` is an earlier version of the project, measured in the same "
        "sitting)",
        "",
        "| version | measured | staging rows | with tokens | without tokens | ratio |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
        *(
            f"| {label} | {_measured(f)} | {f['staging_rows']:,} | {_seconds(f['with_tokens_seconds_median'])} | "
            f"{_seconds(f['without_tokens_seconds_median'])} | {f['ratio_with_over_without']:.2f} |"
            for label, f in runs
        ),
        "",
    ]


def _quality_section(figures: dict[str, Any]) -> list[str]:
    def row(name: str, scores: dict[str, Any]) -> str:
        return f"| {name} | {scores['precision']:.4f} | {scores['recall']:.4f} | {scores['f1']:.4f} |"

    profile = figures.get("fault_profile", "default")
    option = "" if profile == "default" else f" --fault-profile {profile}"

    return [
        f"**Linkage quality, {profile} fault profile** against the generator's ground truth "
        f"(`python -m bench.linkage_quality --scale {figures['scale']}{option}`: {figures['records']:,} records of "
        f"{figures['people']:,} people; {_measured(figures)})",
        "",
        "| pairs of records | precision | recall | F1 |",
        "| --- | ---: | ---: | ---: |",
        row("same person", figures["persons"]),
        row("same person, both records with a date of birth or NHS number and both names", figures["anchored_persons"]),
        row("same household", figures["households"]),
        "",
        f"{figures['split_people']:,} true people are split across more than one person key; "
        f"{figures['merged_keys']:,} person keys hold more than one true person.",
        "",
    ]


def _febrl_section(figures: dict[str, Any]) -> list[str]:
    datasets = figures["datasets"]
    names = sorted(datasets)
    domains = sorted({datasets[name]["id_domain"] for name in names})
    boroughs = sorted({datasets[name]["borough_extracts"] for name in names})

    def row(name: str, pairs: str, scores: dict[str, Any]) -> str:
        f = datasets[name]
        return (
            f"| {f['title']} | {pairs} | {f['records']:,} | {scores['true_pairs']:,} | {scores['predicted_pairs']:,} | "
            f"{scores['correct_pairs']:,} | {scores['precision']:.4f} | {scores['recall']:.4f} | {scores['f1']:.4f} | "
            f"{f['linkage_model']} | {_seconds(f['build_seconds'])}"
            f"{' + ' + _seconds(f['rebuild_seconds']) + ' rebuild' if 'rebuild_seconds' in f else ''} | {_measured(f)} |"
        )

    rows = []
    for name in names:
        f = datasets[name]
        rows.append(row(name, "all" if "cross_pairs" in f else "same person", f["pairs"]))
        if "cross_pairs" in f:
            rows.append(row(name, "A-B only", f["cross_pairs"]))
    missed = []
    for name in names:
        f = datasets[name]
        count = f["pairs"]["true_pairs"] - f["pairs"]["correct_pairs"]
        kinds = ", ".join(f"{kind} {n:,}" for kind, n in list(f["missed_pairs_by_kind"].items())[:4])
        evidence = f.get("missed_pairs_with", {})
        shared = (
            f" ({evidence.get('same soc_sec_id', 0):,} of them share soc_sec_id, "
            f"{evidence.get('same postcode', 0):,} the postcode)"
            if count
            else ""
        )
        missed.append(f"{f['title']}, {count:,} missed: {kinds or 'none'}{shared}")
    return [
        f"**Linkage on FEBRL**, public synthetic records with known duplicates, each file onboarded as a service's "
        f"extract through [Adding a new extract, without SQL](#adding-a-new-extract-without-sql) and built with "
        f"`dbt build` beside a synthetic borough at scale 0.02 in its own commission "
        f"(`python -m bench.febrl --datasets {','.join(names)} --id-domain {'/'.join(domains)}`"
        f"{'' if boroughs == ['deliver'] else ' --borough ' + '/'.join(boroughs)}: "
        "pairs of records scored against FEBRL's record ids; soc_sec_id is a contact identifier of that domain, "
        "FEBRL's Australian postcodes are not valid UK ones)",
        "",
        "| data set | pairs of records | records | true pairs | predicted | correct | precision | recall | F1 | "
        "linkage model | `dbt build` | measured |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |",
        *rows,
        "",
        "The linkage model is the one trained on the data set's own records in the build, or the borough's: the "
        "linkage gives a commission too small to train on the largest commission's model, and where training on the "
        "commission failed the benchmark rebuilt with `--vars '{linkage_model_dir: ...}'` holding the borough's "
        "model (why, in `bench/results/febrl.json`).",
        "",
        "Missed pairs, by how their records differ on names and date of birth (a typo is at most two edits; "
        "_differs_ is another value; the four commonest kinds, all of them in `bench/results/febrl.json`): "
        + "; ".join(missed)
        + ".",
        "",
    ]


def _dashboard_section(figures: dict[str, Any]) -> list[str]:
    def seconds(value: float) -> str:
        return f"{value:.2f} s"

    published = figures["published"]
    return [
        f"**Dashboard response in Chromium** (`python -m bench.dashboard --runs {figures['runs']} --rounds "
        f"{figures['rounds']}`: seconds from a click on a page's link to the page drawn; the first click of each of "
        f"{figures['runs']} freshly started dashboards (empty query cache), and the {figures['rounds'] - 1} rounds of "
        f"clicks after it; published build `{published['build_id'][:8]}` of {published['residents']:,} residents; "
        f"{_measured(figures)})",
        "",
        "| page | first click, median | first click, slowest | later clicks, median | later clicks, slowest |",
        "| --- | ---: | ---: | ---: | ---: |",
        *(
            f"| {name} | {seconds(page['first_click_median_seconds'])} | "
            f"{seconds(page['first_click_slowest_seconds'])} | {seconds(page['later_clicks_median_seconds'])} | "
            f"{seconds(page['later_clicks_slowest_seconds'])} |"
            for name, page in figures["pages"].items()
        ),
        "",
        f"Opening the dashboard took {seconds(figures['open_dashboard_median_seconds'])} (median). The slowest "
        f"median click, {seconds(figures['slowest_median_click_seconds'])}, is "
        f"{'within' if figures['within_target'] else 'over'} the {figures['target_seconds']:g} s asked; the "
        f"slowest single click took {seconds(figures['slowest_click_seconds'])}.",
        "",
    ]


def render(results: Path = RESULTS) -> str:
    """The section's text from the result files present (a benchmark not yet run is left out)."""
    lines = [BEGIN, ""]
    if (build := _load(results, "build_timings")) is not None:
        lines += _build_section(build)
    if (linkage := _load(results, "linkage")) is not None:
        lines += _linkage_section(linkage)
    pseudonymisation = [
        (
            path.stem.removeprefix("pseudonymisation_cost_scale_1").strip("_").replace("_", " ") or "this one",
            json.loads(path.read_text()),
        )
        for path in sorted(results.glob("pseudonymisation_cost_scale_1*.json"))
    ]
    if pseudonymisation:
        lines += _pseudonymisation_section(pseudonymisation)
    for name in ("linkage_quality", "linkage_quality_unseen"):
        if (quality := _load(results, name)) is not None:
            lines += _quality_section(quality)
    if (febrl := _load(results, "febrl")) is not None:
        lines += _febrl_section(febrl)
    if (dashboard := _load(results, "dashboard")) is not None:
        lines += _dashboard_section(dashboard)
    return "\n".join([*lines, END])


def readme_section(text: str) -> str:
    """The section as README.md has it now."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise SystemExit(f"README.md has no performance section between {BEGIN!r} and {END!r}")
    return text[start : end + len(END)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when README.md differs from bench/results/")
    args = parser.parse_args(argv)
    text = README.read_text()
    current, wanted = readme_section(text), render()
    if args.check:
        if current != wanted:
            print("README.md's performance section differs from bench/results/: run python -m bench.report")
            return 1
        return 0
    README.write_text(text.replace(current, wanted))
    print(f"wrote the performance section of {README}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
