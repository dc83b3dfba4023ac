{{ config(materialized='table', pre_hook="{{ scan_csv_landing() }}") }}

{#- Rows of CSV deliveries that DuckDB could not parse (too many or too few
    fields, bad quoting, invalid UTF-8). They never reach a staging model; this
    records where they are (file, line, column) and why, never their content.
    reject_errors and reject_scans are the connection's temporary tables the
    pre-hook fills; the pre-hook reads only the deliveries that passed the
    pre-load check, named here as that check names them. -#}

with

reject_errors as (
    select * from reject_errors
),

reject_scans as (
    select * from reject_scans
),

deliveries as (
    select * from {{ ref('stg_landing__delivery_checks') }}
),

located as (
    select distinct
        reject_errors.line as line_number,
        reject_errors.column_idx as column_position,
        reject_errors.column_name,
        cast(reject_errors.error_type as varchar) as error_type,
        deliveries.commission_id,
        deliveries.service_code,
        deliveries.source_table,
        deliveries.delivery_file
    from reject_errors
    inner join reject_scans
        on
            reject_errors.scan_id = reject_scans.scan_id
            and reject_errors.file_id = reject_scans.file_id
    inner join deliveries
        on reject_scans.file_path = deliveries.file_path
)

select * from located
