"""The README's figures come from the files the benchmarks write (bench/results/), never typed by hand.

Rules guarded (bench/report.py): README.md's Performance section is exactly what bench.report renders
from bench/results/; the rendering shows each figure of each result file (the FEBRL benchmark's too),
with where it was measured.
"""

from __future__ import annotations

import json
from pathlib import Path

from bench import report

MEASURED = {"commit": "0123456789abcdef", "date": "2026-12-07", "cpus": 2, "memory_gib": 24}


def test_the_readme_shows_what_the_benchmarks_saved() -> None:
    assert report.readme_section(report.README.read_text()) == report.render(), (
        "README.md's performance section differs from bench/results/: run python -m bench.report"
    )


def test_every_result_file_is_shown_with_where_it_was_measured(tmp_path: Path) -> None:
    build = {
        "runs": 3,
        "measured": MEASURED,
        "scales": {
            "1": {
                "records": 742018,
                "generate_seconds_median": 12.6,
                "dbt_build_seconds_median": 72.9,
                "seconds_by_layer": {"intermediate": 30.5, "staging": 3.25},
                "slowest_models": [{"model": "int_person_records__clustered", "seconds": 13.3}],
            }
        },
    }
    linkage = {
        "runs": 3,
        "measured": MEASURED,
        "scales": {
            "1": {
                "records": 742040,
                "inside_dbt_seconds_median": 13.8,
                "outside_dbt_seconds_median": 13.1,
                "ratio_inside_over_outside": 1.053,
                "records_per_second_inside_dbt": 53900,
                "seconds_per_100k_records_inside_dbt": 1.86,
            }
        },
    }
    cost = {
        "staging_rows": 805264,
        "with_tokens_seconds_median": 14.4,
        "without_tokens_seconds_median": 3.0,
        "ratio_with_over_without": 4.8,
        "measured": MEASURED,
    }
    scores = {"precision": 0.9959, "recall": 0.9804, "f1": 0.9881}
    quality = {
        "scale": "1",
        "records": 742040,
        "people": 388000,
        "split_people": 6500,
        "merged_keys": 850,
        "persons": scores,
        "anchored_persons": scores,
        "households": scores,
        "measured": MEASURED,
    }
    febrl = {
        "datasets": {
            "febrl4": {
                "title": "FEBRL4",
                "id_domain": "nino",
                "borough_extracts": "deliver",
                "records": 10000,
                "build_seconds": 95.3,
                "rebuild_seconds": 101.2,
                "linkage_model": "borough's (training failed)",
                "pairs": {
                    "true_pairs": 5000,
                    "predicted_pairs": 3857,
                    "correct_pairs": 3853,
                    "precision": 0.999,
                    "recall": 0.7706,
                    "f1": 0.8701,
                },
                "cross_pairs": {
                    "true_pairs": 5000,
                    "predicted_pairs": 3855,
                    "correct_pairs": 3852,
                    "precision": 0.9992,
                    "recall": 0.7704,
                    "f1": 0.8699,
                },
                "missed_pairs_by_kind": {"given_name typo": 640, "date_of_birth blank": 212},
                "measured": MEASURED,
            }
        }
    }
    for name, figures in (
        ("build_timings", build),
        ("linkage", linkage),
        ("pseudonymisation_cost_scale_1", cost),
        ("linkage_quality", quality),
        ("febrl", febrl),
    ):
        (tmp_path / f"{name}.json").write_text(json.dumps(figures))
    text = report.render(tmp_path)
    for shown in (
        "742,018",
        "12.6 s",
        "72.9 s",
        "of which intermediate",
        "30.5 s",
        "13.3 s",
        "742,040",
        "13.8 s",
        "13.1 s",
        "1.05",
        "53,900",
        "1.86",
        "805,264",
        "14.4 s",
        "3.0 s",
        "4.80",
        "0.9959",
        "0.9804",
        "0.9881",
        "388,000",
        "6,500",
        "850",
        "commit 0123456, 2026-12-07, 2 cores, 24 GiB",
        "FEBRL4",
        "10,000",
        "3,857",
        "0.8701",
        "A-B only",
        "3,855",
        "0.8699",
        "95.3 s + 101.2 s rebuild",
        "borough's (training failed)",
        "--id-domain nino",
        "given_name typo 640",
        "date_of_birth blank 212",
    ):
        assert shown in text, f"{shown} is not shown"
    assert text.startswith(report.BEGIN) and text.endswith(report.END)
