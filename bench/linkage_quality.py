"""Linkage quality of a benchmark borough against the generator's ground truth.

    python -m bench.linkage_quality --scale 1.0 [--fault-profile unseen]

Scores the warehouse bench.build_timings built for the scale (building one
when there is none) with insight_hub.linkage.evaluate: pairwise precision,
recall and F1 of person and household keys, people split and keys merged.
`--fault-profile unseen` generates the borough with the faults the linkage
was not tuned on (insight_hub/borough/README.md), in a workspace of its own
(bench/work/scale_<scale>_unseen). Figures go to
bench/results/linkage_quality.json (default profile) or
bench/results/linkage_quality_<profile>.json.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict

from bench.common import dbt, generate, save, workspace_for
from insight_hub.borough.config import FAULT_PROFILES
from insight_hub.linkage.evaluate import PairScores, evaluate


def _scores(scores: PairScores) -> dict[str, float | int]:
    return {
        **asdict(scores),
        "precision": round(scores.precision, 4),
        "recall": round(scores.recall, 4),
        "f1": round(scores.f1, 4),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument(
        "--fault-profile", choices=list(FAULT_PROFILES), default="default", help="the generator's fault profile"
    )
    args = parser.parse_args(argv)
    workspace = workspace_for(args.scale, args.fault_profile)
    if not workspace.warehouse.is_file():
        print(f"generating and building {workspace.root}", flush=True)
        generate(workspace, args.scale, args.fault_profile)
        dbt(workspace, "build")
    evaluation = evaluate(workspace.warehouse, workspace.root / "ground_truth")
    figures = {
        "scale": f"{args.scale:g}",
        "fault_profile": args.fault_profile,
        # the counts; the pair scores below, the threshold table stays in the evaluation report
        **{key: value for key, value in asdict(evaluation).items() if isinstance(value, int | float | str)},
        **{key: _scores(getattr(evaluation, key)) for key in ("persons", "anchored_persons", "households")},
    }
    print(figures)
    name = "linkage_quality" if args.fault_profile == "default" else f"linkage_quality_{args.fault_profile}"
    print(f"saved to {save(name, figures)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
