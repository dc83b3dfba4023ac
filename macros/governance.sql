{#- The governance rules the build enforces before anything is built. The rules
    themselves are Python (insight_hub.governance.rules), over the manifest dbt
    wrote while parsing this run, the registers and the landing folder; the
    governance plugin (insight_hub.dbt_plugins.governance) makes them the SQL
    function insight_hub_governance_violations, which the on-run-start hook
    calls. -#}

{% macro governance_violations() -%}
    {#- The violations of the pre-build rules for this run, one line each:
        judged on as_of_date(), with this run's --store-failures, against the
        manifest of this invocation. The governance vars as this run sees them
        go along, so a --vars override of one is reported, not obeyed. -#}
    {%- set run_vars = {} -%}
    {%- for name in ['direct_identifier_column_pattern', 'staging_table_models', 'hub_retention_years'] -%}
        {%- do run_vars.update({name: var(name, none)}) -%}
    {%- endfor -%}
    {%- set query -%}
        select unnest(insight_hub_governance_violations(
            '{{ as_of_date() }}',
            {{ 'true' if flags.STORE_FAILURES else 'false' }},
            '{{ invocation_id }}',
            '{{ tojson(run_vars) | replace("'", "''") }}'
        ))
    {%- endset -%}
    {{ return(run_query(query).columns[0].values() | list) }}
{%- endmacro %}


{% macro enforce_governance() -%}
    {#- on-run-start: stop the run, naming every violation, before anything is
        built. dbt docs generate builds nothing, and writes the manifest only
        after its hooks (dbt's requires.manifest(write=False)), so no manifest
        of its own is there to judge: it is let through, said so in the log. -#}
    {%- if execute and flags.WHICH == 'generate' -%}
        {{ log("Governance check not run: dbt docs generate builds nothing; every command that builds is checked.", info=true) }}
    {%- elif execute -%}
        {%- set violations = governance_violations() -%}
        {%- if violations -%}
            {{ exceptions.raise_compiler_error("Governance check failed (" ~ violations | length ~ "):\n  - " ~ violations | join("\n  - ")) }}
        {%- endif -%}
        {{ log("Governance check passed: metadata, privacy notice, commissions, risk assessments, the graph and the audiences agree.", info=true) }}
    {%- endif -%}
    select 1 as governance_checked
{%- endmacro %}


{% macro as_list(value) -%}
    {#- A metadata value that may be one item or a list, as a list, for Jinja
        that reads the graph (tests/dbt/governance); Python has
        insight_hub.governance.manifest.as_list. -#}
    {{ return([] if value is none else (value if value is iterable and value is not string else [value])) }}
{%- endmacro %}
