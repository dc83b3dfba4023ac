{% test disclosure_safe(model, derived_figures=[], public_counts=[], threshold_column='suppress_up_to', base_column='rounding_base') %}
{#- The rule every sharing model keeps, one failing row per broken cell.
    Counts are the columns ending in _count; each must have a _count_status
    sibling (or be public data listed in public_counts, such as census
    denominators). On every row, under the row's own rule
    (threshold_column, base_column):
    - no published count lies between 1 and the threshold;
    - every published count is a multiple of the rounding base;
    - a count is null exactly when its status is the suppressed marker, and
      no other status is used (a withheld cell never reads as 0);
    - every derived figure (rate, interval, ratio, comparison, share, index)
      equals what the statistics macro that makes it gives on the row's own
      published counts and public denominators, so it discloses nothing the
      counts do not (and is null whenever a count it uses is withheld).
      derived_figures lists them as the share computes them: each item names
      a macro of macros/statistics.sql and its args (column names of the
      share), and `column` for a macro that gives one expression
      (share_of_total, jaccard_index). Every floating-point column of the
      share must be one of them: a figure the test cannot recompute fails
      the compile, naming the column. -#}
{%- set marker = sdc_suppressed_marker() -%}
{%- set counts = [] -%}
{%- set recomputed = [] -%}
{%- for figure in derived_figures -%}
    {%- set args = figure.get('args', []) -%}
    {%- if figure.macro == 'rate_per_1000_columns' -%}
        {%- do recomputed.append(rate_per_1000_columns(*args)) -%}
    {%- elif figure.macro == 'rate_per_1000_interval_columns' -%}
        {%- do recomputed.append(rate_per_1000_interval_columns(*args)) -%}
    {%- elif figure.macro == 'representation_columns' -%}
        {%- do recomputed.append(representation_columns(*args)) -%}
    {%- elif figure.macro == 'share_of_total' -%}
        {%- do recomputed.append(share_of_total(*args) ~ ' as ' ~ figure.column) -%}
    {%- elif figure.macro == 'jaccard_index' -%}
        {%- do recomputed.append(jaccard_index(*args) ~ ' as ' ~ figure.column) -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error("disclosure_safe on " ~ model ~ ": derived figure macro " ~ figure.macro ~ " is not one the test knows (rate_per_1000_columns, rate_per_1000_interval_columns, representation_columns, share_of_total, jaccard_index)") }}
    {%- endif -%}
{%- endfor -%}
{%- set recomputed_sql = recomputed | join(',\n') -%}
{%- set figures = modules.re.findall('\\bas\\s+([a-z_][a-z0-9_]*)\\s*(?:,|$)', recomputed_sql | lower, modules.re.M) -%}
{%- if execute -%}
    {%- set columns = adapter.get_columns_in_relation(model) -%}
    {%- set names = columns | map(attribute='name') | map('lower') | list -%}
    {%- for name in names if name.endswith('_count') and name not in public_counts -%}
        {%- if (name ~ '_status') not in names -%}
            {{ exceptions.raise_compiler_error("disclosure_safe on " ~ model ~ ": count column " ~ name ~ " has no " ~ name ~ "_status column (list it in public_counts if it is public data)") }}
        {%- endif -%}
        {%- do counts.append(name) -%}
    {%- endfor -%}
    {%- for column in columns if column.is_float() or column.is_numeric() -%}
        {%- if column.name | lower not in figures -%}
            {{ exceptions.raise_compiler_error("disclosure_safe on " ~ model ~ ": column " ~ column.name ~ " is a figure the test does not recompute from the published counts (list the macro that makes it in derived_figures)") }}
        {%- endif -%}
    {%- endfor -%}
    {%- for name in figures if name not in names -%}
        {{ exceptions.raise_compiler_error("disclosure_safe on " ~ model ~ ": derived_figures makes " ~ name ~ ", which is not a column of the model") }}
    {%- endfor -%}
{%- endif %}

with

shared as (
    select * from {{ model }}
),

{%- if figures %}

published_figures as (
    -- each derived figure as published, beside the row's published columns
    select
        *,
        {%- for name in figures %}
        {{ name }} as sdc_published__{{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from shared
),

recomputed as (
    -- the same figures computed again from the row's published counts
    select * replace (
        {{ recomputed_sql | indent(8) }}
    )
    from published_figures
),
{%- endif %}

failures as (
    select
        cast(null as varchar) as column_name,
        cast(null as varchar) as failure
    where false
    {%- for count in counts %}

    union all

    select
        '{{ count }}' as column_name,
        case
            when {{ count }} between 1 and {{ threshold_column }} then 'count between 1 and the threshold'
            when {{ count }} % {{ base_column }} <> 0 then 'count not a multiple of the rounding base'
            when {{ count }} is null and ({{ count }}_status is distinct from '{{ marker }}') then 'null count not marked'
            when {{ count }} is not null and {{ count }}_status is not null then 'published count with a status'
            when {{ count }}_status is not null and {{ count }}_status <> '{{ marker }}' then 'unknown status'
        end as failure
    from shared
    where
        {{ count }} between 1 and {{ threshold_column }}
        or {{ count }} % {{ base_column }} <> 0
        or ({{ count }} is null and {{ count }}_status is distinct from '{{ marker }}')
        or ({{ count }} is not null and {{ count }}_status is not null)
    {%- endfor %}
    {%- for name in figures %}

    union all

    select
        '{{ name }}' as column_name,
        'differs from what the published counts give: ' || coalesce(cast(sdc_published__{{ name }} as varchar), 'null')
        || ' published, ' || coalesce(cast({{ name }} as varchar), 'null') || ' recomputed' as failure
    from recomputed
    where {{ name }} is distinct from sdc_published__{{ name }}
    {%- endfor %}
)

select * from failures
{% endtest %}
