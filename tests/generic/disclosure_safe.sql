{% test disclosure_safe(model, withheld_with={}, public_counts=[], threshold_column='suppress_up_to', base_column='rounding_base') %}
{#- The rule every sharing model keeps, one failing row per broken cell.
    Counts are the columns ending in _count; each must have a _count_status
    sibling (or be public data listed in public_counts, such as census
    denominators). On every row, under the row's own rule
    (threshold_column, base_column):
    - no published count lies between 1 and the threshold;
    - every published count is a multiple of the rounding base;
    - a count is null exactly when its status is the suppressed marker, and
      no other status is used (a withheld cell never reads as 0);
    - every column listed in withheld_with[count] (the rates, intervals and
      comparisons computed from it) is null when the count is suppressed. -#}
{%- set marker = sdc_suppressed_marker() -%}
{%- set counts = [] -%}
{%- if execute -%}
    {%- set names = adapter.get_columns_in_relation(model) | map(attribute='name') | map('lower') | list -%}
    {%- for name in names if name.endswith('_count') and name not in public_counts -%}
        {%- if (name ~ '_status') not in names -%}
            {{ exceptions.raise_compiler_error("disclosure_safe on " ~ model ~ ": count column " ~ name ~ " has no " ~ name ~ "_status column (list it in public_counts if it is public data)") }}
        {%- endif -%}
        {%- do counts.append(name) -%}
    {%- endfor -%}
    {%- for count in withheld_with if count not in counts -%}
        {{ exceptions.raise_compiler_error("disclosure_safe on " ~ model ~ ": withheld_with names " ~ count ~ ", which is not a count with a status column") }}
    {%- endfor -%}
{%- endif %}

with

shared as (
    select * from {{ model }}
),

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
            when {{ count }} is null and {{ count }}_status is distinct from '{{ marker }}' then 'null count not marked'
            when {{ count }} is not null and {{ count }}_status is not null then 'published count with a status'
            when {{ count }}_status is not null and {{ count }}_status <> '{{ marker }}' then 'unknown status'
        end as failure
    from shared
    where
        {{ count }} between 1 and {{ threshold_column }}
        or {{ count }} % {{ base_column }} <> 0
        or ({{ count }} is null and {{ count }}_status is distinct from '{{ marker }}')
        or ({{ count }} is not null and {{ count }}_status is not null)
    {%- for dependent in withheld_with.get(count, []) %}

    union all

    select
        '{{ dependent }}' as column_name,
        'published although {{ count }} is suppressed' as failure
    from shared
    where {{ count }}_status = '{{ marker }}' and {{ dependent }} is not null
    {%- endfor %}
    {%- endfor %}
)

select * from failures
{% endtest %}
