{% macro delivered_csv_sources() -%}
    {#- The CSV landing sources that have at least one file delivered. -#}
    {%- set delivered = [] -%}
    {%- for node in (graph.sources.values() | sort(attribute='unique_id') if execute else []) -%}
        {%- if node.config.meta.get('format') == 'csv' -%}
            {%- if landing_file_count(node.config.meta) > 0 -%}{%- do delivered.append(node) -%}{%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(delivered) }}
{%- endmacro %}


{% macro scan_csv_landing() -%}
    {#- Reads every delivered CSV landing source once so that DuckDB records the
        rows it rejects (store_rejects=true in each source's read_csv) in this
        connection's reject_errors and reject_scans tables. Used as the pre-hook
        of stg_landing__rejected_rows. -#}
    {%- set scans = [] -%}
    {%- for node in delivered_csv_sources() -%}
        {%- do scans.append("(select count(*) from " ~ source(node.source_name, node.name) ~ ")") -%}
    {%- endfor -%}
    {%- if scans -%}
        select {{ scans | join(' + ') }} as scanned_row_count
    {%- else -%}
        {#- nothing delivered: the reject tables DuckDB would have made, empty -#}
        create or replace temp table reject_scans as
            select 0 as scan_id, 0 as file_id, '' as file_path where false;
        create or replace temp table reject_errors as
            select 0 as scan_id, 0 as file_id, 0 as line, 0 as column_idx, '' as column_name, '' as error_type where false
    {%- endif -%}
{%- endmacro %}
