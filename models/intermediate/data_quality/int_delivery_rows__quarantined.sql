{#- Every delivered row the warehouse could not use, in one list: rows the CSV
    parser rejected (stg_landing__rejected_rows) and rows that parsed but
    failed validation in their staging model (quarantine_reason). Each names
    the file, the data row (1-based, header excluded) and the column, never the
    row's content. -#}

with

parser_rejects as (
    select * from {{ ref('stg_landing__rejected_rows') }}
),

failed_validation as (
    select * from {{ ref('int_delivery_rows__failed_validation') }}
),

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

located_validation_failures as (
    -- staging numbers the rows the parser accepted; the file's own row number
    -- adds the rejected rows before it: the k-th rejected row (row j) comes
    -- after j - k accepted rows
    select
        failed_validation.commission_id,
        failed_validation.service_code,
        failed_validation.source_table,
        failed_validation.delivery_file,
        failed_validation.source_row_number + (
            select count(*)
            from rejected_lines
            where
                rejected_lines.commission_id = failed_validation.commission_id
                and rejected_lines.service_code = failed_validation.service_code
                and rejected_lines.delivery_file = failed_validation.delivery_file
                and rejected_lines.rejected_row - rejected_lines.reject_rank < failed_validation.source_row_number
        ) as row_number,
        failed_validation.column_name,
        failed_validation.reason,
        'validation' as failed_at
    from failed_validation
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
