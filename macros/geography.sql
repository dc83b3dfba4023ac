{#- Areas the ward-level marts report on. -#}

{% macro wards_and_not_known(groups, group_columns, wards, ward_columns) -%}
    {#- Every row of `groups` (its group_columns: a commission, or a
        commission and service) with every ward of `wards` (ward_code,
        ward_name and its ward_columns), plus one 'Not known' row per group
        (ward_code and the ward_columns null) for what was not located, so a
        ward-level mart lists every ward, zeros included, and adds up to the
        borough. -#}
    select
        {%- for column in group_columns %}
        {{ groups }}.{{ column }},
        {%- endfor %}
        {{ wards }}.ward_code,
        {{ wards }}.ward_name
        {%- for column in ward_columns %},
        {{ wards }}.{{ column }}
        {%- endfor %}
    from {{ groups }}
    cross join {{ wards }}
    union all
    select
        {%- for column in group_columns %}
        {{ column }},
        {%- endfor %}
        null as ward_code,
        'Not known' as ward_name
        {%- for column in ward_columns %},
        null as {{ column }}
        {%- endfor %}
    from {{ groups }}
{%- endmacro %}
