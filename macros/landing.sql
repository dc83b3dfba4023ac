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
    {#- The source's rows with two provenance columns: delivery_file (file name)
        and source_row_number (1-based data row in that file, header excluded).
        A source with no file in the landing folder (nothing delivered yet, or
        its commission purged) gives no rows rather than failing the build;
        source freshness and the open-commission delivery test report it. -#}
    {%- set file_format = node.config.meta.format -%}
    {%- if landing_file_count(node.config.meta) == 0 -%}
        select
            {%- for column in node.columns %}
            cast(null as varchar) as "{{ column }}",
            {%- endfor %}
            cast(null as varchar) as delivery_file,
            cast(null as bigint) as source_row_number
        where false
    {%- elif file_format == 'csv' -%}
        select
            * exclude (filename, ordinality),
            parse_filename(filename) as delivery_file,
            ordinality - min(ordinality) over (partition by filename) + 1 as source_row_number
        from {{ source(source_name, table_name) }} with ordinality
    {%- elif file_format == 'parquet' -%}
        select
            * exclude (filename, file_row_number),
            parse_filename(filename) as delivery_file,
            file_row_number + 1 as source_row_number
        from {{ source(source_name, table_name) }}
    {%- elif file_format == 'excel' -%}
        select * from {{ source(source_name, table_name) }}
    {%- else -%}
        {{ exceptions.raise_compiler_error("source " ~ source_name ~ "." ~ table_name ~ ": landing format '" ~ file_format ~ "' is not csv, parquet or excel") }}
    {%- endif -%}
{%- endmacro %}
