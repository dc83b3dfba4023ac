{{ config(severity='warn') }}
-- Warns about each person-level source (a service supplying extracts) with no
-- row in the services seed: its marts rows show the service_code as name and
-- count it as a targeted service until one is added.
{%- set names = [] %}
{%- if execute %}
{%- for source in graph.sources.values() if source.config.meta.get('commission') %}
{%- if source.source_name not in names %}{% do names.append(source.source_name) %}{% endif %}
{%- endfor %}
{%- endif %}

with

services as (
    select * from {{ ref('services') }}
),

declared as (
    {%- if names %}
    select service_sources.service_code
    from (
        values
        {%- for name in names | sort %}
        ('{{ name }}'){{ ',' if not loop.last }}
        {%- endfor %}
    ) as service_sources (service_code)
    {%- else %}
    select cast(null as varchar) as service_code
    where false
    {%- endif %}
),

missing as (
    select declared.service_code
    from declared
    left join services
        on declared.service_code = services.service_code
    where services.service_code is null
)

select * from missing
