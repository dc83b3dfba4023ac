{% macro expired_commissions(as_of) -%}
    {#- Commissions whose retention has ended on as_of (yyyy-mm-dd), sorted: the
        rule is Python (insight_hub.governance.retention.expired_commissions:
        closed more than vars.hub_retention_years ago and not held by a
        commission-wide retention exception still under review), read from
        the registers in place by the SQL function the retention plugin
        registers. -#}
    {{ return(run_query("select unnest(insight_hub_expired_commissions(date '" ~ as_of ~ "'))").columns[0].values() | list) }}
{%- endmacro %}


{% macro purge_expired(apply=false, as_of=none) -%}
    {#- Removes every expired commission's data: its rows from every warehouse
        table with a commission_id column, and its folder from the landing area.
        Dry run unless apply=true. Every run, dry or not, appends what it found
        or removed to audit.retention_purges; nothing in that table is ever
        updated or deleted. Idempotent: a second run removes nothing more.
        Usage: dbt run-operation purge_expired [--args '{apply: true, as_of: 2027-01-01}'] -#}
    {%- set as_of = (as_of or as_of_date()) | string -%}
    {%- set run_by = env_var('USER', 'unknown') -%}
    {%- do run_query("create schema if not exists audit") -%}
    {%- do run_query("
        create table if not exists audit.retention_purges (
            purged_at timestamp not null,
            invocation_id varchar not null,
            run_by varchar not null,
            is_dry_run boolean not null,
            as_of_date date not null,
            commission_id varchar not null,
            relation_name varchar not null,
            rows_removed bigint not null
        )") -%}
    {%- set expired = expired_commissions(as_of) -%}
    {%- set holders = run_query("
        select columns.table_schema || '.' || columns.table_name
        from information_schema.columns
        inner join information_schema.tables
            on columns.table_schema = tables.table_schema and columns.table_name = tables.table_name
        where columns.column_name = 'commission_id' and tables.table_type = 'BASE TABLE'
            and columns.table_schema not in ('governance', 'audit')
        order by 1").columns[0].values() | list -%}
    {%- set verb = 'removed' if apply else 'would remove' -%}
    {{ log("Retention as of " ~ as_of ~ ": " ~ (expired | length) ~ " expired commission(s) " ~ (expired | join(', ') if expired else '') ~ (" (dry run: pass --args '{apply: true}' to purge)" if not apply else ''), info=true) }}
    {%- for commission_id in expired -%}
        {%- for relation_name in holders -%}
            {%- set found = run_query("select count(*) from " ~ relation_name ~ " where commission_id = '" ~ commission_id ~ "'").columns[0].values()[0] -%}
            {%- if apply and found > 0 -%}
                {%- do run_query("delete from " ~ relation_name ~ " where commission_id = '" ~ commission_id ~ "'") -%}
            {%- endif -%}
            {%- do run_query(audit_insert(commission_id, relation_name, found, apply, as_of, run_by)) -%}
            {%- if found > 0 -%}{{ log("  " ~ commission_id ~ ": " ~ verb ~ " " ~ found ~ " rows from " ~ relation_name, info=true) }}{%- endif -%}
        {%- endfor -%}
        {%- set files = run_query("select insight_hub_purge_landing('" ~ commission_id ~ "', date '" ~ as_of ~ "', " ~ apply ~ ")").columns[0].values()[0] -%}
        {%- do run_query(audit_insert(commission_id, 'landing/' ~ commission_id, files, apply, as_of, run_by)) -%}
        {{ log("  " ~ commission_id ~ ": " ~ verb ~ " " ~ files ~ " landing files", info=true) }}
    {%- endfor -%}
    {%- do adapter.commit() -%}
{%- endmacro %}


{% macro audit_insert(commission_id, relation_name, rows_removed, apply, as_of, run_by) -%}
    insert into audit.retention_purges values (
        current_timestamp, '{{ invocation_id }}', '{{ run_by }}', {{ not apply }}, date '{{ as_of }}',
        '{{ commission_id }}', '{{ relation_name }}', {{ rows_removed }}
    )
{%- endmacro %}
