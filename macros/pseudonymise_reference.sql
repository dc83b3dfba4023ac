{% macro landing_commissions() -%}
    {#- The commissions that have person-level extracts declared as sources
        (source meta `commission`), sorted. Empty while dbt parses. -#}
    {%- set commissions = [] -%}
    {%- if execute -%}
        {%- for node in graph.sources.values() -%}
            {%- set commission = node.config.meta.get('commission') -%}
            {%- if commission and commission not in commissions -%}
                {%- do commissions.append(commission) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(commissions | sort) }}
{%- endmacro %}


{% macro pseudonymise_reference(relation, tokens, columns) -%}
    {#- Reference data keyed by an identifier (a postcode, a UPRN) made joinable
        with pseudonymised person records: one copy per commission with data,
        the key replaced by that commission's token.
        tokens: {output column: [normalised value expression, domain]}
        columns: the other columns to carry, unchanged. -#}
    {%- set commissions = landing_commissions() -%}
    {%- if not commissions -%}
        select
            cast(null as varchar) as commission_id,
            {%- for name in tokens %}
            cast(null as varchar) as {{ name }},
            {%- endfor %}
            {{ columns | join(', ') }}
        from {{ relation }}
        where false
    {%- else -%}
        {%- for commission in commissions %}
        select
            '{{ commission }}' as commission_id,
            {%- for name, spec in tokens.items() %}
            {{ pseudonymise(spec[0], spec[1], commission) }} as {{ name }},
            {%- endfor %}
            {{ columns | join(', ') }}
        from {{ relation }}
        {% if not loop.last %}union all{% endif %}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
