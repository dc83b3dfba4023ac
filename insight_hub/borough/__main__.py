"""Command line: python -m insight_hub.borough [options] (see README.md in this folder)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import NoReturn

from insight_hub.borough.config import (
    FAULT_DEFAULTS,
    FAULT_PROFILES,
    SERVICES,
    UNSEEN_FAULTS,
    BoroughConfig,
    ConfigError,
    parse_fault,
)
from insight_hub.borough.generator import generate_borough


class _Parser(argparse.ArgumentParser):
    """Reports a bad argument on one line and exits with status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    defaults = BoroughConfig.__dataclass_fields__
    parser = _Parser(
        prog="python -m insight_hub.borough",
        description="Generate the synthetic borough: reference files, service extracts and ground truth.",
    )
    parser.add_argument(
        "--scale", type=float, default=defaults["scale"].default, help="1.0 = ~389,000 residents (default 1.0)"
    )
    parser.add_argument("--seed", type=int, default=defaults["seed"].default, help="random seed (default 20261101)")
    parser.add_argument(
        "--landing", type=Path, default=defaults["landing"].default, help="landing folder (default data/landing)"
    )
    parser.add_argument(
        "--truth", type=Path, default=defaults["truth"].default, help="ground truth folder (default data/ground_truth)"
    )
    parser.add_argument(
        "--boundaries",
        type=Path,
        help="also write the SYNTHETIC ward and LSOA boundaries (wards.geojson, lsoas.geojson) here, "
        "for the dashboard's maps (make demo: data/boundaries)",
    )
    parser.add_argument(
        "--commission", default=defaults["commission"].default, help="commission id (default IH-2026-001)"
    )
    parser.add_argument(
        "--as-of", type=date.fromisoformat, default=defaults["as_of"].default, help="YYYY-MM-DD (default 2026-11-01)"
    )
    parser.add_argument(
        "--deliveries",
        type=int,
        default=defaults["deliveries"].default,
        help="monthly deliveries before --as-of (default 2)",
    )
    parser.add_argument(
        "--services", default=",".join(SERVICES), help="comma-separated services (default all): " + ", ".join(SERVICES)
    )
    parser.add_argument(
        "--fault-profile",
        default=defaults["fault_profile"].default,
        metavar="PROFILE",
        help=f"fault rates to start from: {' or '.join(FAULT_PROFILES)} (default default); "
        "unseen adds faults the linkage was not tuned on: " + ", ".join(f"{k}={v:g}" for k, v in UNSEEN_FAULTS.items()),
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME=RATE",
        help="fault rate over the profile's, repeatable; defaults: "
        + ", ".join(f"{k}={v:g}" for k, v in FAULT_DEFAULTS.items()),
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        faults = dict(parse_fault(text) for text in args.fault)
        config = BoroughConfig(
            scale=args.scale,
            seed=args.seed,
            landing=args.landing,
            truth=args.truth,
            boundaries=args.boundaries,
            commission=args.commission,
            as_of=args.as_of,
            deliveries=args.deliveries,
            services=tuple(s.strip() for s in args.services.split(",") if s.strip()),
            fault_profile=args.fault_profile,
            faults=faults,
        )
    except ConfigError as error:
        parser.error(str(error))
    summary = generate_borough(config, log=lambda line: print(line, flush=True))
    print(
        f"done: {summary.extract_rows:,} extract rows in {len(summary.extracts)} files, {summary.seconds:.1f} s",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
