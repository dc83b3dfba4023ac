{{ config(materialized='table', post_hook="{{ report_set_aside_deliveries() }}") }}

{#- The pre-load check of every file delivered to a person-level landing
    source, before anything parses it: one row per file with its content hash,
    its place in the source's delivery order and whether it is accepted or set
    aside, and if set aside the line and the problem. Only accepted files are
    read by the sources (macro landing_rows); nothing of a file's content is
    kept or logged: only sizes, counts, line numbers and the hash. -#}

{%- set max_line_bytes = var('landing_max_line_bytes') | int %}

with

delivered_files as (
    {{ landing_delivery_files() }}
),

decoded as (
    select
        commission_id,
        service_code,
        source_table,
        file_format,
        declared_delimiter,
        declared_columns,
        file_path,
        file_size_bytes,
        parse_filename(file_path) as delivery_file,
        nullif(regexp_extract(parse_filename(file_path), '_([0-9]{4}-[0-9]{2})', 1), '') as delivery_period,
        md5(content) as content_md5,
        case when file_format = 'csv' then try(decode(content)) end as file_text,
        case
            when file_format = 'csv' and try(decode(content)) is null
                then
                    -- the valid UTF-8 before the first invalid byte, to count its lines
                    decode(unhex(regexp_extract(
                        hex(content),
                        '^(?:[0-7][0-9A-F]|[C-D][0-9A-F][89AB][0-9A-F]'
                        || '|E[0-9A-F](?:[89AB][0-9A-F]){2}|F[0-4](?:[89AB][0-9A-F]){3})*'
                    )))
        end as valid_prefix,
        file_format = 'parquet' and (
            file_size_bytes < 12 or content[1:4] <> 'PAR1'::blob or content[-4:] <> 'PAR1'::blob
        ) as is_broken_parquet,
        file_format = 'excel' and (file_size_bytes < 4 or content[1:4] <> 'PK\x03\x04'::blob) as is_broken_workbook
    from delivered_files
),

file_lines as (
    -- every line of a CSV delivery that decodes as UTF-8: its length, quote
    -- marks and NUL bytes (the line itself stays in this CTE)
    select
        file_path,
        generate_subscripts(string_split(file_text, chr(10)), 1) as line_number,
        unnest(string_split(file_text, chr(10))) as line_text
    from decoded
    where file_text is not null
),

measured_lines as (
    select
        file_path,
        line_number,
        strlen(line_text) as line_bytes,
        strlen(line_text) - strlen(replace(line_text, '"', '')) as quote_count,
        contains(line_text, chr(0)) as has_nul,
        trim(line_text, chr(13)) <> '' as is_filled
    from file_lines
),

quote_balance as (
    select
        *,
        sum(quote_count) over (partition by file_path order by line_number) as quotes_so_far
    from measured_lines
),

line_summary as (
    select
        file_path,
        count(*) filter (where is_filled and line_number > 1) as data_line_count,
        min(line_number) filter (where has_nul) as first_nul_line,
        min(line_number) filter (where line_bytes > {{ max_line_bytes }}) as first_long_line,
        sum(quote_count) % 2 = 1 as has_unbalanced_quotes,
        -- the line where the quote left open at the end of the file was opened
        max(line_number) filter (where quotes_so_far % 2 = 1 and (quotes_so_far - quote_count) % 2 = 0)
            as open_quote_line
    from quote_balance
    group by file_path
),

headers as (
    select
        file_path,
        declared_columns,
        string_split(
            replace(trim(ltrim(split_part(file_text, chr(10), 1), chr(65279)), chr(13)), '"', ''),
            declared_delimiter
        ) as header_columns
    from decoded
    where file_text is not null and file_size_bytes > 0
),

declared_names as (
    select
        file_path,
        unnest(declared_columns) as column_name
    from headers
),

delivered_names as (
    select
        file_path,
        unnest(header_columns) as column_name
    from headers
),

missing_names as (
    select
        declared_names.file_path,
        string_agg(declared_names.column_name, ', ' order by declared_names.column_name) as missing_columns
    from declared_names
    anti join delivered_names
        on
            declared_names.file_path = delivered_names.file_path
            and declared_names.column_name = delivered_names.column_name
    group by declared_names.file_path
),

unexpected_names as (
    select
        delivered_names.file_path,
        string_agg(delivered_names.column_name, ', ' order by delivered_names.column_name) as unexpected_columns
    from delivered_names
    anti join declared_names
        on
            delivered_names.file_path = declared_names.file_path
            and delivered_names.column_name = declared_names.column_name
    group by delivered_names.file_path
),

header_summary as (
    select
        headers.file_path,
        missing_names.missing_columns,
        unexpected_names.unexpected_columns,
        len(headers.header_columns) = 1 and len(headers.declared_columns) > 1 as is_single_field,
        case
            when contains(headers.header_columns[1], ';') then ';'
            when contains(headers.header_columns[1], ',') then ','
            when contains(headers.header_columns[1], '|') then '|'
            when contains(headers.header_columns[1], chr(9)) then 'tab'
        end as other_delimiter
    from headers
    left join missing_names on headers.file_path = missing_names.file_path
    left join unexpected_names on headers.file_path = unexpected_names.file_path
),

judged as (
    select
        decoded.commission_id,
        decoded.service_code,
        decoded.source_table,
        decoded.delivery_file,
        decoded.file_path,
        decoded.file_format,
        decoded.delivery_period,
        decoded.file_size_bytes,
        decoded.content_md5,
        line_summary.data_line_count,
        case
            when decoded.file_size_bytes = 0 then 1
            when decoded.valid_prefix is not null
                then 1 + len(decoded.valid_prefix) - len(replace(decoded.valid_prefix, chr(10), ''))
            when line_summary.first_nul_line is not null then line_summary.first_nul_line
            when line_summary.first_long_line is not null then line_summary.first_long_line
            when header_summary.is_single_field or header_summary.missing_columns is not null then 1
            when line_summary.has_unbalanced_quotes then line_summary.open_quote_line
            when decoded.file_format = 'csv' and line_summary.data_line_count = 0 then 2
        end as problem_line_number,
        case
            when decoded.file_size_bytes = 0 then 'empty file'
            when decoded.is_broken_parquet then 'not a complete Parquet file (no PAR1 header and footer)'
            when decoded.is_broken_workbook then 'not an Excel workbook (no zip header)'
            when decoded.valid_prefix is not null
                then 'not UTF-8 text (first invalid byte on this line; resend as UTF-8)'
            when line_summary.first_nul_line is not null then 'NUL byte in the file'
            when line_summary.first_long_line is not null
                then 'line longer than ' || {{ max_line_bytes }} || ' bytes (var landing_max_line_bytes)'
            when header_summary.is_single_field and header_summary.other_delimiter is not null
                then
                    'fields separated by ''' || header_summary.other_delimiter
                    || ''', not the declared ''' || decoded.declared_delimiter || ''''
            when header_summary.missing_columns is not null
                then
                    'missing column(s) ' || header_summary.missing_columns
                    || coalesce('; unexpected column(s) ' || header_summary.unexpected_columns, '')
            when line_summary.has_unbalanced_quotes then 'quote opened on this line is never closed'
            when decoded.file_format = 'csv' and line_summary.data_line_count = 0
                then 'header only, no data rows'
        end as file_problem
    from decoded
    left join line_summary on decoded.file_path = line_summary.file_path
    left join header_summary on decoded.file_path = header_summary.file_path
),

first_copies as (
    -- a file whose bytes were already delivered (by this or any source) is a
    -- duplicate of the first delivery, in delivery order, that holds them
    select
        *,
        first_value(delivery_file) over (
            partition by content_md5 order by delivery_period nulls first, delivery_file
        ) as first_delivery_file,
        first_value(file_path) over (
            partition by content_md5 order by delivery_period nulls first, delivery_file
        ) as first_file_path
    from judged
    where file_problem is null
),

checked as (
    select
        judged.commission_id,
        judged.service_code,
        judged.source_table,
        judged.delivery_file,
        judged.file_path,
        judged.file_format,
        judged.delivery_period,
        judged.file_size_bytes,
        judged.content_md5,
        judged.data_line_count,
        case
            when judged.file_problem is not null or first_copies.first_file_path <> judged.file_path then 'set aside'
            else 'accepted'
        end as delivery_status,
        case when judged.file_problem is not null then judged.problem_line_number end as problem_line_number,
        coalesce(
            judged.file_problem,
            case
                when first_copies.first_file_path <> judged.file_path
                    then
                        'same content as delivery '
                        || first_copies.first_delivery_file
                        || ' (a duplicate, not a new version)'
            end
        ) as problem
    from judged
    left join first_copies on judged.file_path = first_copies.file_path
),

sequenced as (
    -- the one delivery order, which both the spine's current version and the
    -- data-quality mart's latest delivery use: delivery period from the file
    -- name, then the file name; accepted deliveries only
    select
        *,
        case
            when delivery_status = 'accepted'
                then row_number() over (
                    partition by commission_id, service_code, source_table, delivery_status
                    order by delivery_period nulls first, delivery_file
                )
        end as delivery_sequence
    from checked
)

select * from sequenced
