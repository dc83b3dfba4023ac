"""The synthetic borough: a Barnet-shaped population, the extracts its council
services would deliver (with realistic faults), anonymised reference data and
the ground truth. See README.md in this folder."""

from insight_hub.borough.config import FAULT_DEFAULTS, SERVICES, BoroughConfig, ConfigError
from insight_hub.borough.generator import BoroughSummary, FileSummary, generate_borough

__all__ = [
    "FAULT_DEFAULTS",
    "SERVICES",
    "BoroughConfig",
    "BoroughSummary",
    "ConfigError",
    "FileSummary",
    "generate_borough",
]
