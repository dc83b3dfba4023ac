"""Every governance rule in one place, over the dbt manifest and the registers.

- ``manifest``: reading the manifest (metadata, a column's classification,
  layers, lineage, commissions by lineage, landing files);
- ``registers``: the governance registers, seeds/governance/*.csv;
- ``retention``: the Hub's retention limit and which commissions have expired;
- ``rules``: the pre-build rules, run by the on-run-start hook through the
  governance plugin (insight_hub.dbt_plugins.governance);
- ``catalogue``: the check of a built warehouse's catalogue and column lineage,
  ``python -m insight_hub.governance``.

Nothing is imported here, so the dbt plugins load only what they use.
"""
