{% macro scan_csv_landing() -%}
    {#- Reads every CSV delivery that passed the pre-load check
        (stg_landing__delivery_checks) once, so that DuckDB records the rows
        it rejects (store_rejects=true in each source's read_csv) in this
        connection's reject_errors and reject_scans tables. Used as the
        pre-hook of stg_landing__rejected_rows. -#}
    {%- set scans = [] -%}
    {%- for node in delivery_sources() if node.config.meta.format == 'csv' -%}
        {%- set paths = accepted_delivery_paths(node) -%}
        {%- if paths -%}
            {%- do scans.append("(select count(*) from " ~ accepted_landing_relation(node, paths) ~ ")") -%}
        {%- endif -%}
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
