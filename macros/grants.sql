{% macro duckdb__apply_grants(relation, grant_config, should_revoke=True) -%}
    {#- DuckDB has no roles or GRANT: a warehouse file is read by whoever can
        open it. The marts' grants (dbt_project.yml: select for the role in
        INSIGHT_HUB_BI_READER_ROLE, default insight_hub_bi_reader) are applied by dbt's own apply_grants on
        engines that have them (PostgreSQL, Spark/Databricks, Snowflake, ...);
        on DuckDB this replaces dbt-duckdb's version, which warns on every
        model, with a debug-level note. Access to a DuckDB warehouse is
        controlled by who may read the file. -#}
    {%- if grant_config -%}
        {{ log("grants " ~ grant_config ~ " on " ~ relation ~ " are not applied on DuckDB (no roles); they apply on engines with GRANT", info=false) }}
    {%- endif -%}
{%- endmacro %}
