{#- The pre-load check of every delivery (stg_landing__delivery_checks) and
    what the landing sources read from it: only the files that passed, in the
    one delivery order the spine and the data-quality mart both use. -#}

{% macro delivery_sources() -%}
    {#- The landing sources of person-level deliveries (a commission and a
        landing format), sorted, that have at least one file delivered. -#}
    {%- set delivered = [] -%}
    {%- for node in (graph.sources.values() | sort(attribute='unique_id') if execute else []) -%}
        {%- set meta = node.config.meta -%}
        {%- if meta.get('commission') and meta.get('format') in ['csv', 'parquet', 'excel'] and meta.get('external_location') -%}
            {%- if landing_file_count(meta) > 0 -%}{%- do delivered.append(node) -%}{%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(delivered) }}
{%- endmacro %}


{% macro csv_delimiter(meta) -%}
    {#- The field delimiter a CSV source declares in its read_csv(... delim='x' ...). -#}
    {%- set found = modules.re.search("delim\s*=\s*'([^']+)'", meta.external_location) -%}
    {{ return(found.group(1) if found else ',') }}
{%- endmacro %}


{% macro landing_delivery_files() -%}
    {#- One row per delivered file of every delivery source: which source it
        belongs to, its format, declared delimiter and column names, and its
        bytes (read_blob). The bytes never leave the check model's CTEs. -#}
    {%- set sources = delivery_sources() -%}
    {%- if sources -%}
        {%- for node in sources %}
    select
        '{{ node.config.meta.commission }}' as commission_id,
        '{{ node.source_name }}' as service_code,
        '{{ node.name }}' as source_table,
        '{{ node.config.meta.format }}' as file_format,
        '{{ csv_delimiter(node.config.meta) if node.config.meta.format == 'csv' else '' }}' as declared_delimiter,
        [{%- for column in node.columns %}'{{ column | replace("'", "''") }}'{{ ', ' if not loop.last }}{%- endfor %}]::varchar [] as declared_columns,
        filename as file_path,
        size as file_size_bytes,
        content
    from read_blob('{{ landing_glob(node.config.meta) }}')
    {{ 'union all' if not loop.last }}
        {%- endfor %}
    {%- else %}
    select
        cast(null as varchar) as commission_id,
        cast(null as varchar) as service_code,
        cast(null as varchar) as source_table,
        cast(null as varchar) as file_format,
        cast(null as varchar) as declared_delimiter,
        cast(null as varchar []) as declared_columns,
        cast(null as varchar) as file_path,
        cast(null as bigint) as file_size_bytes,
        cast(null as blob) as content
    where false
    {%- endif %}
{%- endmacro %}


{% macro delivery_checks_relation() -%}
    {#- The built check table, or none before its first build (dbt compile,
        sqlfluff, docs on an empty warehouse). -#}
    {%- set checks = ref('stg_landing__delivery_checks') -%}
    {{ return(adapter.get_relation(database=checks.database, schema=checks.schema, identifier=checks.identifier) if execute else none) }}
{%- endmacro %}


{% macro accepted_delivery_paths(node) -%}
    {#- The files of a landing source that passed the pre-load check, in
        delivery order. No check table yet: none (the source reads as empty,
        with a warning), so an unchecked file is never read. -#}
    {%- set checks = delivery_checks_relation() -%}
    {%- if checks is none -%}
        {%- if execute -%}
            {{ log("landing: " ~ node.source_name ~ "." ~ node.name ~ " reads no file: stg_landing__delivery_checks has not been built yet", info=True) }}
        {%- endif -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set query -%}
        select file_path
        from {{ checks }}
        where
            service_code = '{{ node.source_name }}'
            and source_table = '{{ node.name }}'
            and delivery_status = 'accepted'
        order by delivery_sequence
    {%- endset -%}
    {{ return(run_query(query).columns[0].values() | list) }}
{%- endmacro %}


{% macro accepted_landing_relation(node, paths) -%}
    {#- The source's read expression (dbt-duckdb's external_location, as
        source() renders it) with its file pattern replaced by the list of
        accepted files. -#}
    {%- set rendered = source(node.source_name, node.name) | string -%}
    {%- set pattern = "'" ~ landing_glob(node.config.meta) ~ "'" -%}
    {%- if pattern not in rendered -%}
        {{ exceptions.raise_compiler_error("source " ~ node.source_name ~ "." ~ node.name ~ ": cannot find its file pattern " ~ pattern ~ " in " ~ rendered) }}
    {%- endif -%}
    {%- set listed = [] -%}
    {%- for path in paths -%}{%- do listed.append("'" ~ path | replace("'", "''") ~ "'") -%}{%- endfor -%}
    {{ return(rendered.replace(pattern, '[' ~ listed | join(', ') ~ ']')) }}
{%- endmacro %}


{% macro report_set_aside_deliveries() -%}
    {#- Post-hook of stg_landing__delivery_checks: one line per delivery set
        aside (file, line, problem), never the file's content. -#}
    {%- if execute -%}
        {%- set query -%}
            select file_path, problem_line_number, problem
            from {{ this }}
            where delivery_status <> 'accepted'
            order by file_path
        {%- endset -%}
        {%- for row in run_query(query).rows -%}
            {{ log("delivery set aside: " ~ row[0] ~ (" line " ~ row[1] if row[1] is not none else "") ~ ": " ~ row[2], info=True) }}
        {%- endfor -%}
    {%- endif -%}
    select 1
{%- endmacro %}


{% macro duckdb__collect_freshness(source, loaded_at_field, filter) -%}
    {#- dbt source freshness (dbt's collect_freshness, for DuckDB): a person-level
        landing source is read from the deliveries the pre-load check accepted
        only, as the build reads it, so a file set aside is never parsed (and
        no row of it reaches an error message); before the check's first build,
        and for every other source, as dbt does. -#}
    {%- set found = [] -%}
    {%- for node in graph.sources.values() if node.relation_name == source | string -%}
        {%- if node.config.meta.get('commission') and node.config.meta.get('format') in ['csv', 'parquet'] -%}
            {%- do found.append(node) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not found or delivery_checks_relation() is none -%}
        {{ return(dbt.default__collect_freshness(source, loaded_at_field, filter)) }}
    {%- endif -%}
    {%- set paths = accepted_delivery_paths(found[0]) -%}
    {% call statement('collect_freshness', fetch_result=True, auto_begin=False) -%}
        select
            {% if paths %}max({{ loaded_at_field }}){% else %}cast(null as timestamp){% endif %} as max_loaded_at,
            {{ current_timestamp() }} as snapshotted_at
        {%- if paths %}
        from {{ accepted_landing_relation(found[0], paths) }}
        {%- if filter %}
        where {{ filter }}
        {%- endif %}
        {%- endif %}
    {%- endcall %}
    {{ return(load_result('collect_freshness')) }}
{%- endmacro %}
