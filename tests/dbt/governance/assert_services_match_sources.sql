-- The services seed repeats what the sources declare: each service's owning
-- service and the privacy-notice categories its extracts hold (column meta
-- data_category). Fails with each service whose seed row disagrees.
{%- set declared = {} %}
{%- if execute %}
{%- for source in graph.sources.values() if source.config.meta.get('commission') %}
{%- set service = declared.setdefault(
    source.source_name, {'owning_service': source.config.meta.get('owning_service'), 'categories': []}
) %}
{%- for column in source.columns.values() %}
{%- for category in as_list(column.meta.get('data_category')) %}
{%- if category != 'none' and category not in service.categories %}
{%- do service.categories.append(category) %}
{%- endif %}
{%- endfor %}
{%- endfor %}
{%- endfor %}
{%- endif %}

with

services as (
    select * from {{ ref('services') }}
),

declared as (
    {%- if declared %}
    select
        service_sources.service_code,
        service_sources.owning_service,
        service_sources.privacy_notice_categories
    from (
        values
        {%- for name, service in declared.items() | sort %}
        (
            '{{ name }}',
            '{{ service.owning_service }}',
            '{{ service.categories | sort(case_sensitive=true) | join("|") }}'
        ){{ ',' if not loop.last }}
        {%- endfor %}
    ) as service_sources (service_code, owning_service, privacy_notice_categories)
    {%- else %}
    select
        cast(null as varchar) as service_code,
        cast(null as varchar) as owning_service,
        cast(null as varchar) as privacy_notice_categories
    where false
    {%- endif %}
),

disagreements as (
    select
        services.service_code,
        services.owning_service as seed_owning_service,
        declared.owning_service as declared_owning_service,
        services.privacy_notice_categories as seed_categories,
        declared.privacy_notice_categories as declared_categories
    from services
    inner join declared
        on services.service_code = declared.service_code
    where
        services.owning_service is distinct from declared.owning_service
        or array_to_string(list_sort(string_split(services.privacy_notice_categories, '|')), '|')
        is distinct from declared.privacy_notice_categories
)

select * from disagreements
