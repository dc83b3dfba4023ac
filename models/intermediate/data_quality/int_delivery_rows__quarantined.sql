{#- Every delivered row the warehouse could not use, in one list: rows the CSV
    parser rejected (stg_landing__rejected_rows) and rows that parsed but
    failed validation in their staging model (quarantine_reason). Each names
    the file, the data row (1-based, header excluded) and the column, never the
    row's content. -#}

with

parser_rejects as (
    select * from {{ ref('stg_landing__rejected_rows') }}
),

{% for model in var('person_extracts') -%}
{{ model }} as (
    select * from {{ ref(model) }}
),

{% endfor -%}

rejected_line_numbers as (
    -- a line can fail in more than one way; count it once
    select distinct
        commission_id,
        service_code,
        delivery_file,
        line_number
    from parser_rejects
),

rejected_lines as (
    -- one row per rejected line, ranked within its file
    select
        commission_id,
        service_code,
        delivery_file,
        line_number - 1 as rejected_row,
        row_number() over (partition by commission_id, service_code, delivery_file order by line_number) as reject_rank
    from rejected_line_numbers
),

validation_failures as (
    {%- for model in var('person_extracts') %}
    select
        commission_id,
        service_code,
        source_table,
        delivery_file,
        source_row_number,
        quarantine_column as column_name,
        quarantine_reason as reason,
        'validation' as failed_at
    from {{ model }}
    where quarantine_reason is not null
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

located_validation_failures as (
    -- staging numbers the rows the parser accepted; the file's own row number
    -- adds the rejected rows before it: the k-th rejected row (row j) comes
    -- after j - k accepted rows
    select
        validation_failures.commission_id,
        validation_failures.service_code,
        validation_failures.source_table,
        validation_failures.delivery_file,
        validation_failures.source_row_number + (
            select count(*)
            from rejected_lines
            where
                rejected_lines.commission_id = validation_failures.commission_id
                and rejected_lines.service_code = validation_failures.service_code
                and rejected_lines.delivery_file = validation_failures.delivery_file
                and rejected_lines.rejected_row - rejected_lines.reject_rank < validation_failures.source_row_number
        ) as row_number,
        validation_failures.column_name,
        validation_failures.reason,
        validation_failures.failed_at
    from validation_failures
),

quarantined as (
    select
        commission_id,
        service_code,
        source_table,
        delivery_file,
        line_number - 1 as row_number,
        coalesce(column_name, 'field ' || column_position) as column_name,
        lower(replace(error_type, ' ', '_')) as reason,
        'parsing' as failed_at
    from parser_rejects
    union all
    select * from located_validation_failures
)

select * from quarantined
