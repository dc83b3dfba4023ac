{#- Every delivered row that parsed but failed validation in its staging
    model (quarantine_reason), from all person-level extracts: where it is
    (file and the row among the rows that parsed) and why. -#}

with

{% for model in var('person_extracts') -%}
{{ model }} as (
    select * from {{ ref(model) }}
),

{% endfor -%}

failed_validation as (
    {%- for model in var('person_extracts') %}
    select
        commission_id,
        service_code,
        source_table,
        delivery_file,
        source_row_number,
        quarantine_column as column_name,
        quarantine_reason as reason
    from {{ model }}
    where quarantine_reason is not null
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select * from failed_validation
