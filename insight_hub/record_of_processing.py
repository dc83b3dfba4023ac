"""Generate the record of processing from the dbt manifest and the registers.

    python -m insight_hub.record_of_processing [--manifest target/manifest.json]
        [--output reports/record_of_processing.md] [--docs models/docs/record_of_processing.md]

For each commission: purpose, lawful basis, risk assessment, the data
categories its models actually process (from column metadata along lineage)
against those agreed, special categories, models, approved recipients and
retention expiry. Because it is computed from the manifest and the governance
seeds, it cannot drift from the code. The --docs copy is a dbt docs block
(`__overview__`), so the report is the front page of dbt docs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from insight_hub.governance import manifest as m
from insight_hub.governance import registers, retention

PROJECT_ROOT = m.PROJECT_ROOT


def build_report(manifest: dict[str, Any], today: dt.date, project_dir: Path = PROJECT_ROOT) -> str:
    lineage = m.commissions_by_lineage(manifest)
    folder = project_dir / registers.GOVERNANCE_DIR
    commissions = registers.read_register("commissions", folder)
    assessments = {row["risk_assessment_id"]: row for row in registers.read_register("risk_assessments", folder)}
    approvals = registers.read_register("sharing_approvals", folder)
    exceptions = registers.read_register("retention_exceptions", folder)
    years = retention.hub_retention_years(project_dir)
    expired = retention.expired_commissions(commissions, exceptions, today, years)

    resources: dict[str, dict[str, Any]] = {**manifest["sources"], **manifest["nodes"]}
    processed: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    specials: dict[str, set[str]] = defaultdict(set)
    models: dict[str, list[str]] = defaultdict(list)
    for unique_id, resource in sorted(resources.items()):
        if resource["resource_type"] not in ("source", "model", "snapshot"):
            continue
        name = m.qualified_name(resource)
        meta = m.meta(resource)
        for commission_id in lineage.get(unique_id, []):
            models[commission_id].append(
                f"{resource['resource_type']} `{name}` ({meta.get('identifiability', 'identifiable')})"
            )
            for column in resource.get("columns", {}).values():
                for category in m.data_categories(resource, column):
                    if category != "none":
                        processed[commission_id][category].add(name)
                for special in m.special_categories(column):
                    if special != "none":
                        specials[commission_id].add(special)

    lines = [
        "# Record of processing",
        "",
        f"Generated {today.isoformat()} from the dbt manifest and the governance registers "
        "(`seeds/governance/`), by `python -m insight_hub.record_of_processing`. "
        "Categories are those the models' column metadata declares, along lineage from each commission's sources.",
        "",
    ]
    for commission in commissions:
        cid = commission["commission_id"]
        agreed = registers.split_list(commission["agreed_data_categories"])
        assessment = assessments.get(commission["risk_assessment_id"], {})
        expiry = retention.hub_limit(dt.date.fromisoformat(commission["close_date"]), years)
        held = [e for e in exceptions if e["commission_id"] == cid and dt.date.fromisoformat(e["review_date"]) >= today]
        recipients = [a for a in approvals if a["commission_id"] == cid]
        lines += [
            f"## {cid}: {commission['commission_title']}",
            "",
            f"- **Commissioned by:** {commission['commissioning_service']}",
            f"- **Purpose:** {commission['purpose']}",
            f"- **Status:** {commission['status']}, {commission['start_date']} to {commission['close_date']}",
            f"- **Lawful basis:** {commission['lawful_basis']}",
            f"- **Risk assessment:** {commission['risk_assessment_id']} "
            f"({assessment.get('status', 'missing')}, approved by {assessment.get('approved_by', '-')}, "
            f"review by {assessment.get('review_date', '-')})",
            f"- **Special category data:** {', '.join(sorted(specials[cid])) or 'none'}",
            f"- **Retention:** data kept at most until {expiry.isoformat()} ({years} years after close)"
            + (
                f"; exceptions under review: {', '.join(e['exception_id'] + ' until ' + e['extended_until'] for e in held)}"
                if held
                else ""
            )
            + (" - **expired: purge_expired removes it**" if cid in expired else ""),
            "",
            "| data category | agreed | processed by |",
            "| --- | --- | --- |",
        ]
        for category in sorted(set(agreed) | set(processed[cid])):
            users = sorted(processed[cid].get(category, set()))
            shown = ", ".join(f"`{u}`" for u in users[:6]) + (f" and {len(users) - 6} more" if len(users) > 6 else "")
            lines.append(f"| {category} | {'yes' if category in agreed else '**NO**'} | {shown or '-'} |")
        lines += ["", "Approved recipients of outputs:", ""]
        lines += [
            f"- {a['recipient_type']}: `{a['output_model']}` (approval {a['approval_id']}, {a['approved_by']}, "
            f"{a['approved_date']}, expires {a['expires_date']})"
            for a in recipients
        ] or ["- none"]
        lines += ["", f"Models and sources holding its data ({len(models[cid])}):", ""]
        lines += [f"- {m}" for m in models[cid]] or ["- none"]
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the record of processing.")
    parser.add_argument("--manifest", type=Path, default=PROJECT_ROOT / "target" / "manifest.json")
    parser.add_argument("--output", type=Path, default=PROJECT_ROOT / "reports" / "record_of_processing.md")
    parser.add_argument("--docs", type=Path, default=PROJECT_ROOT / "models" / "docs" / "record_of_processing.md")
    args = parser.parse_args(argv)
    if not args.manifest.is_file():
        print(f"no manifest at {args.manifest}: run dbt parse or dbt build first", file=sys.stderr)
        return 1
    report = build_report(m.load(args.manifest), dt.date.today())
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report)
    args.docs.parent.mkdir(parents=True, exist_ok=True)
    args.docs.write_text("{% docs __overview__ %}\n" + report + "\n{% enddocs %}\n")
    print(f"record of processing written to {args.output} and {args.docs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
