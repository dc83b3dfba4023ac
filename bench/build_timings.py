"""Time generation of the synthetic borough and `dbt build`, per scale.

    python -m bench.build_timings --scales 0.1 1.0 --runs 3

For each scale: median wall time of generating the borough and of a full
`dbt build` (fresh warehouse each run), and dbt's own per-model timings from
run_results.json summarised by layer with the slowest models. Figures are
printed and saved to bench/results/build_timings.json.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict

from bench.common import BenchWorkspace, dbt, delivered_records, generate, median, save, workspace_for


def model_timings(workspace: BenchWorkspace) -> dict:
    """dbt's execution time per layer (the models' folder under models/; tests apart) and the slowest models."""
    results = json.loads((workspace.target / "run_results.json").read_text())["results"]
    nodes = json.loads((workspace.target / "manifest.json").read_text())["nodes"]
    by_layer: dict[str, float] = defaultdict(float)
    models = []
    for result in results:
        unique_id = result["unique_id"]
        if unique_id.startswith("model."):
            node = nodes[unique_id]
            by_layer[node["fqn"][1]] += result["execution_time"]
            models.append((result["execution_time"], node["name"]))
        elif unique_id.startswith(("test.", "unit_test.")):
            by_layer["tests"] += result["execution_time"]
    return {
        "seconds_by_layer": {layer: round(seconds, 2) for layer, seconds in sorted(by_layer.items())},
        "slowest_models": [
            {"model": name, "seconds": round(seconds, 2)} for seconds, name in sorted(models, reverse=True)[:5]
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[0.1])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    figures = {}
    for scale in args.scales:
        workspace = workspace_for(scale)
        generation, build = [], []
        for run in range(args.runs):
            generation.append(generate(workspace, scale))
            workspace.warehouse.unlink(missing_ok=True)
            build.append(dbt(workspace, "build"))
            print(
                f"scale {scale:g} run {run + 1}/{args.runs}: generate {generation[-1]:.1f}s, dbt build {build[-1]:.1f}s",
                flush=True,
            )
        figures[f"{scale:g}"] = {
            "records": delivered_records(workspace),
            "generate_seconds_median": round(median(generation), 1),
            "dbt_build_seconds_median": round(median(build), 1),
            "generate_seconds": [round(s, 1) for s in generation],
            "dbt_build_seconds": [round(s, 1) for s in build],
            **model_timings(workspace),
        }
        print(json.dumps({f"scale {scale:g}": figures[f"{scale:g}"]}, indent=2))
    print(f"saved to {save('build_timings', {'runs': args.runs, 'scales': figures})}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
