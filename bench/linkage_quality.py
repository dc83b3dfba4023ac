"""Linkage quality of a benchmark borough against the generator's ground truth.

    python -m bench.linkage_quality --scale 1.0

Scores the warehouse bench.build_timings built for the scale (building one
when there is none) with insight_hub.linkage.evaluate: pairwise precision,
recall and F1 of person and household keys, people split and keys merged.
Figures go to bench/results/linkage_quality.json.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict

from bench.common import dbt, generate, save, workspace_for
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
    args = parser.parse_args(argv)
    workspace = workspace_for(args.scale)
    if not workspace.warehouse.is_file():
        generate(workspace, args.scale)
        dbt(workspace, "build")
    evaluation = evaluate(workspace.warehouse, workspace.root / "ground_truth")
    figures = {
        "scale": f"{args.scale:g}",
        **{key: value for key, value in asdict(evaluation).items() if not isinstance(value, dict)},
        **{key: _scores(getattr(evaluation, key)) for key in ("persons", "anchored_persons", "households")},
    }
    print(figures)
    print(f"saved to {save('linkage_quality', figures)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
