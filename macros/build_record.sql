{% macro record_build(results) -%}
    {#- The on-run-end hook: appends what this invocation built to the
        warehouse, for the export to check rows against the build that made
        them. One row in audit.dbt_invocations (who ran which command on
        which target, and the manifest dbt parsed for it) and one row in
        audit.dbt_built_relations per model, seed or snapshot built
        successfully. dbt writes target/manifest.json again after this hook,
        so the copy kept is the one parsed at the start of the run; it is kept
        only when it carries this invocation's id (null after --no-write-json,
        or when the invocation built nothing). Nothing in either table is ever
        updated or deleted. -#}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set built = [] -%}
    {%- for result in results
        if result.node.resource_type in ['model', 'seed', 'snapshot']
        and result.node.config.materialized != 'ephemeral'
        and result.status == 'success' -%}
        {%- set execute_timing = result.timing | selectattr('name', 'equalto', 'execute') | list -%}
        {%- set built_at = execute_timing[0].completed_at if execute_timing else run_started_at -%}
        {%- do built.append(
            "('" ~ invocation_id ~ "', '" ~ result.node.unique_id ~ "', '" ~ result.node.resource_type ~ "', '"
            ~ result.node.schema ~ "." ~ (result.node.alias or result.node.name) ~ "', timestamptz '"
            ~ built_at.strftime('%Y-%m-%d %H:%M:%S.%f') ~ "+00')"
        ) -%}
    {%- endfor -%}
    {%- set manifest_path = (flags.TARGET_PATH or 'target') ~ '/manifest.json' -%}
    {%- do run_query("create schema if not exists audit") -%}
    {%- do run_query("
        create table if not exists audit.dbt_invocations (
            recorded_at timestamptz not null,
            invocation_id varchar not null,
            command varchar not null,
            target_name varchar not null,
            dbt_version varchar not null,
            run_started_at timestamptz not null,
            run_by varchar not null,
            relations_built integer not null,
            manifest_sha256 varchar,
            manifest json
        )") -%}
    {%- do run_query("
        create table if not exists audit.dbt_built_relations (
            invocation_id varchar not null,
            unique_id varchar not null,
            resource_type varchar not null,
            relation_name varchar not null,
            built_at timestamptz not null
        )") -%}
    {%- do run_query(
        "insert into audit.dbt_invocations
        with parsed as (
            select any_value(content) as manifest
            from " ~ manifest_text(manifest_path) ~ "
            where
                json_extract_string(content, '$.metadata.invocation_id') = '" ~ invocation_id ~ "'
                and " ~ (built | length > 0) ~ "
        )
        select
            current_timestamp,
            '" ~ invocation_id ~ "',
            '" ~ invocation_args_dict.get('which', 'unknown') ~ "',
            '" ~ target.name ~ "',
            '" ~ dbt_version ~ "',
            timestamptz '" ~ run_started_at.strftime('%Y-%m-%d %H:%M:%S.%f') ~ "+00',
            '" ~ env_var('USER', 'unknown') | replace("'", "''") ~ "',
            " ~ built | length ~ ",
            sha256(manifest),
            manifest
        from parsed"
    ) -%}
    {%- if built -%}
        {%- do run_query("insert into audit.dbt_built_relations values " ~ built | join(', ')) -%}
    {%- endif -%}
    {%- do adapter.commit() -%}
    {{ return('') }}
{%- endmacro %}


{% macro manifest_text(path) -%}
    {#- A relation with the text of the manifest file at `path` in column
        `content`, or no row when there is none. -#}
    {{ return(adapter.dispatch('manifest_text', 'insight_hub')(path)) }}
{%- endmacro %}

{% macro default__manifest_text(path) -%}
    read_text('{{ path }}')
{%- endmacro %}


{% macro forget_unfinished_builds() -%}
    {#- Pre-hook of an append-only history model (an incremental model with an
        invocation_id column): deletes the rows a build appended and never
        finished, killed before its on-run-end hook listed it in
        audit.dbt_invocations, so a rerun after a kill leaves the history an
        uninterrupted run would. Rows of finished builds, failed ones
        included, stay. -#}
    {%- if is_incremental() -%}
        {%- set invocations = adapter.get_relation(this.database, 'audit', 'dbt_invocations') -%}
        delete from {{ this }}
        {%- if invocations is not none %}
        where invocation_id not in (select invocation_id from {{ invocations }})
        {%- endif %}
    {%- endif -%}
{%- endmacro %}
