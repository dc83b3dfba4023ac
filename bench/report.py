"""The README's Performance section, written from the files the benchmarks save.

    python -m bench.report            # rewrite the section in README.md
    python -m bench.report --check    # exit 1 when README.md differs from bench/results/

Every figure in the section comes from a JSON file in bench/results/ that a
benchmark wrote (bench.build_timings, bench.linkage, bench.linkage_quality,
bench.pseudonymisation_cost), with the commit, date and machine it was
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
        f"**Linkage inside dbt against the same Splink model run directly** (`python -m bench.linkage --scales "
        f"{' '.join(scales)} --runs {figures['runs']}`: medians; {_measured(figures)})",
        "",
        "| scale | records | inside dbt | direct | ratio | records a second | seconds per 100,000 records |",
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

    return [
        f"**Linkage quality** against the generator's ground truth (`python -m bench.linkage_quality --scale "
        f"{figures['scale']}`: {figures['records']:,} records of {figures['people']:,} people; {_measured(figures)})",
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
    if (quality := _load(results, "linkage_quality")) is not None:
        lines += _quality_section(quality)
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
