{#- One row per person-level extract (a source with a commission) that has a
    freshness config: its warn and error thresholds in days, read from the
    project's graph so they cannot drift from the sources YAML that `dbt
    source freshness` uses. A model of its own so that the marts judging
    freshness can be unit-tested with thresholds given as rows. -#}

{%- set thresholds = [] %}
{%- if execute %}
{%- set days = {'minute': 1.0 / 1440, 'hour': 1.0 / 24, 'day': 1, 'week': 7, 'month': 30} %}
{%- for source in graph.sources.values() if source.config.meta.get('commission') and source.freshness %}
{%- set warn = source.freshness.warn_after or {} %}
{%- set error = source.freshness.error_after or {} %}
{%- do thresholds.append([
    source.source_name,
    source.name,
    warn.count * days[warn.period] if warn.count else 'null',
    error.count * days[error.period] if error.count else 'null',
]) %}
{%- endfor %}
{%- endif %}

with

freshness_thresholds as (
    {%- if thresholds %}
    select
        thresholds.service_code,
        thresholds.source_table,
        cast(thresholds.warn_after_days as double) as warn_after_days,
        cast(thresholds.error_after_days as double) as error_after_days
    from (
        values
        {%- for service_code, source_table, warn, error in thresholds %}
        ('{{ service_code }}', '{{ source_table }}', {{ warn }}, {{ error }}){{ ',' if not loop.last }}
        {%- endfor %}
    ) as thresholds (service_code, source_table, warn_after_days, error_after_days)
    {%- else %}
    select
        cast(null as varchar) as service_code,
        cast(null as varchar) as source_table,
        cast(null as double) as warn_after_days,
        cast(null as double) as error_after_days
    where false
    {%- endif %}
)

select * from freshness_thresholds
