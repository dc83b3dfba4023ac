{#- Landing sources: the delivered files a source's external_location matches, and
    their rows with the provenance every staging model keeps. -#}

{% macro landing_glob(meta) -%}
    {#- The file pattern a landing source reads: the first quoted path of its
        external_location, with the {landing_dir} and {commission} placeholders
        filled in as dbt-duckdb fills them. -#}
    {%- set location = meta.external_location.replace('{landing_dir}', meta.landing_dir).replace('{commission}', meta.commission) -%}
    {%- set quoted = modules.re.search("'([^']+)'", location) -%}
    {{ return(quoted.group(1) if quoted else location) }}
{%- endmacro %}


{% macro landing_file_count(meta) -%}
    {#- How many delivered files a landing source's pattern matches now. -#}
    {{ return(run_query("select count(*) from glob('" ~ landing_glob(meta) ~ "')").columns[0].values()[0]) }}
{%- endmacro %}


{% macro landing_rows(source_name, table_name, node) -%}
    {#- The source's rows from the deliveries that passed the pre-load check
        (stg_landing__delivery_checks), with three provenance columns:
        delivery_file (file name), source_row_number (1-based data row in that
        file, header excluded) and delivery_sequence (the file's place in its
        source's delivery order: the one rule for which delivery is current).
        A source with no accepted file (nothing delivered yet, all set aside,
        or its commission purged) gives no rows rather than failing the build;
        source freshness, the open-commission delivery test and
        delivery_data_quality report it. -#}
    {%- set file_format = node.config.meta.format -%}
    {%- set checks = ref('stg_landing__delivery_checks') -%}
    {%- set paths = accepted_delivery_paths(node) if execute else [] -%}
    {%- if not paths and file_format in ['csv', 'parquet', 'excel'] -%}
        select
            {%- for column in node.columns %}
            cast(null as varchar) as "{{ column }}",
            {%- endfor %}
            cast(null as varchar) as delivery_file,
            cast(null as bigint) as source_row_number,
            cast(null as bigint) as delivery_sequence
        where false
    {%- else -%}
        select
            delivered.*,
            deliveries.delivery_sequence
        from (
        {%- if file_format == 'csv' %}
            select
                * exclude (filename, ordinality),
                parse_filename(filename) as delivery_file,
                ordinality - min(ordinality) over (partition by filename) + 1 as source_row_number
            from {{ accepted_landing_relation(node, paths) }} with ordinality
        {%- elif file_format == 'parquet' %}
            select
                * exclude (filename, file_row_number),
                parse_filename(filename) as delivery_file,
                file_row_number + 1 as source_row_number
            from {{ accepted_landing_relation(node, paths) }}
        {%- elif file_format == 'excel' %}
            select * from {{ source(source_name, table_name) }}
        {%- else %}
            {{ exceptions.raise_compiler_error("source " ~ source_name ~ "." ~ table_name ~ ": landing format '" ~ file_format ~ "' is not csv, parquet or excel") }}
        {%- endif %}
        ) as delivered
        inner join {{ checks }} as deliveries
            on
                deliveries.service_code = '{{ source_name }}'
                and deliveries.source_table = '{{ table_name }}'
                and deliveries.delivery_status = 'accepted'
                and delivered.delivery_file = deliveries.delivery_file
    {%- endif -%}
{%- endmacro %}
