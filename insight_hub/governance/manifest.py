"""Reading the dbt manifest: the one place that knows how metadata and lineage are laid out.

A manifest is the JSON dbt writes to target/manifest.json (a plain dict here).
Resources are its nodes (models, seeds, snapshots, tests), sources and
exposures; each carries ``config.meta`` (folder defaults from dbt_project.yml
merged with its YAML twin) and columns with their own ``config.meta``.
"""

from __future__ import annotations

import glob
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

Manifest = dict[str, Any]
Resource = dict[str, Any]

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def load(path: Path) -> Manifest:
    """The manifest dbt wrote at ``path`` (target/manifest.json)."""
    return json.loads(Path(path).read_text())


def project_vars(project_dir: Path = PROJECT_ROOT) -> dict[str, Any]:
    """The ``vars`` of dbt_project.yml, as the file states them (not a run's --vars)."""
    return yaml.safe_load((Path(project_dir) / "dbt_project.yml").read_text())["vars"]


def as_list(value: Any) -> list[Any]:
    """A metadata value that may be one item or a list, as a list (None: empty)."""
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def meta(resource: Resource) -> dict[str, Any]:
    """A resource's metadata: config.meta (dbt merges the folder defaults into it), or meta in an older manifest."""
    config = resource.get("config") or {}
    return (config["meta"] if "meta" in config else resource.get("meta")) or {}


def column_meta(column: dict[str, Any]) -> dict[str, Any]:
    """A column's own metadata (config.meta, or meta where an older manifest has only that)."""
    config = column.get("config") or {}
    return (config["meta"] if "meta" in config else column.get("meta")) or {}


def data_categories(resource: Resource, column: dict[str, Any]) -> list[Any]:
    """The data categories a column declares, on itself or as its resource's default ('none' included)."""
    return as_list(column_meta(column).get("data_category", meta(resource).get("data_category")))


def special_categories(column: dict[str, Any]) -> list[Any]:
    """The special categories (art9, art10) a column declares; ['none'] when it declares none."""
    return as_list(column_meta(column).get("special_category", "none"))


def identifiability(resource: Resource, column: dict[str, Any]) -> Any:
    """A column's identifiability, on itself or as its resource's default (None: undeclared)."""
    return column_meta(column).get("identifiability", meta(resource).get("identifiability"))


def columns_by_name(resource: Resource) -> dict[str, dict[str, Any]]:
    """Declared columns by lower-case name (DuckDB names are case-insensitive)."""
    return {name.lower(): column for name, column in resource.get("columns", {}).items()}


def classification(resource: Resource, column: str) -> tuple[set[str], set[str], Any]:
    """(data categories, special categories, identifiability) of a column by name,
    case-insensitive, with the resource's defaults; 'none' is no category."""
    declared = columns_by_name(resource).get(column.lower(), {})
    categories = {c for c in data_categories(resource, declared) if c != "none"}
    specials = {s for s in special_categories(declared) if s != "none"}
    return categories, specials, identifiability(resource, declared)


def layer(node: Resource) -> str | None:
    """The layer a node belongs to: the folder under models/ (staging, intermediate, marts, diagnostics, sharing)."""
    fqn = node.get("fqn", [])
    return fqn[1] if len(fqn) > 1 else None


def qualified_name(resource: Resource) -> str:
    """A resource's name as people write it: a source's '<service>.<table>', any other's own name."""
    if resource["resource_type"] == "source":
        return f"{resource['source_name']}.{resource['name']}"
    return str(resource["name"])


def label(resource: Resource) -> str:
    """How violations name a resource: 'model x', 'source service.table', 'exposure y'."""
    return f"{resource['resource_type']} {qualified_name(resource)}"


def parents(resource: Resource) -> list[str]:
    """The unique ids a resource depends on directly."""
    return resource.get("depends_on", {}).get("nodes", [])


def upstream(manifest: Manifest, unique_id: str) -> set[str]:
    """Every node and source upstream of a node (not the node itself), following depends_on."""
    found: set[str] = set()
    stack = list(parents(manifest["nodes"].get(unique_id, {})))
    while stack:
        current = stack.pop()
        if current in found:
            continue
        found.add(current)
        if current in manifest["nodes"]:
            stack.extend(parents(manifest["nodes"][current]))
    return found


def commissions_by_lineage(manifest: Manifest) -> dict[str, list[str]]:
    """unique_id -> the sorted commissions whose source data flows into it (a source: its own)."""

    def commission(unique_id: str) -> str | None:
        source = manifest["sources"].get(unique_id)
        return meta(source).get("commission") if source else None

    found = {uid: sorted({c for c in [commission(uid)] if c}) for uid in manifest["sources"]}
    for uid in manifest["nodes"]:
        found[uid] = sorted({c for parent in upstream(manifest, uid) if (c := commission(parent))})
    return found


def model_commissions(node: Resource, lineage: dict[str, list[str]]) -> list[str]:
    """A model's meta.commission: a list of ids, or `lineage` for those of its upstream sources."""
    declared = meta(node).get("commission")
    return lineage.get(node["unique_id"], []) if declared == "lineage" else as_list(declared)


def parent_categories(manifest: Manifest, node: Resource) -> set[str]:
    """The data categories any column of a node's direct parents declares (or their default)."""
    found: set[str] = set()
    for parent_id in parents(node):
        parent = manifest["nodes"].get(parent_id) or manifest["sources"].get(parent_id)
        if parent is None:
            continue
        found.update(as_list(meta(parent).get("data_category")))
        for column in parent.get("columns", {}).values():
            found.update(data_categories(parent, column))
    return found


def resources(manifest: Manifest, *types: str) -> Iterator[Resource]:
    """The nodes of the given resource types, in manifest order."""
    return (node for node in manifest["nodes"].values() if node["resource_type"] in types)


def landing_glob(source: Resource) -> str:
    """The file pattern a landing source reads: the first quoted path of its
    external_location with {landing_dir} and {commission} filled in."""
    source_meta = meta(source)
    location = source_meta["external_location"]
    quoted = re.search(r"'([^']+)'", location)
    pattern = quoted.group(1) if quoted else location
    return pattern.replace("{landing_dir}", str(source_meta.get("landing_dir", ""))).replace(
        "{commission}", str(source_meta.get("commission", ""))
    )


def delivered(source: Resource) -> bool:
    """Whether any file in the landing folder matches a source's pattern now."""
    return bool(meta(source).get("external_location")) and bool(glob.glob(landing_glob(source)))
