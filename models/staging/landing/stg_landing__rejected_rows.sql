{{ config(materialized='table', pre_hook="{{ scan_csv_landing() }}") }}

{#- Rows of CSV deliveries that DuckDB could not parse (too many or too few
    fields, bad quoting, invalid UTF-8). They never reach a staging model; this
    records where they are (file, line, column) and why, never their content.
    reject_errors and reject_scans are the connection's temporary tables the
    pre-hook fills. -#}

with

reject_errors as (
    select * from reject_errors
),

reject_scans as (
    select * from reject_scans
),

located as (
    select distinct
        reject_errors.line as line_number,
        reject_errors.column_idx as column_position,
        reject_errors.column_name,
        cast(reject_errors.error_type as varchar) as error_type,
        split_part(reject_scans.file_path, '/', -3) as commission_id,
        split_part(reject_scans.file_path, '/', -2) as service_code,
        regexp_replace(parse_filename(reject_scans.file_path, true), '_[0-9]{4}-[0-9]{2}$', '') as source_table,
        parse_filename(reject_scans.file_path) as delivery_file
    from reject_errors
    inner join reject_scans
        on
            reject_errors.scan_id = reject_scans.scan_id
            and reject_errors.file_id = reject_scans.file_id
)

select * from located
