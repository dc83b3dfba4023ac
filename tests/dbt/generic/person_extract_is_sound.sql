{% test person_extract_is_sound(model) %}
{#- The rules every person-extract staging model must keep, one failing row per
    broken rule and record (tokens only, never cleartext):
    - each current, unquarantined row has a record token, unique among them;
    - every token is a 64-character lower-case hex HMAC;
    - a NHS-number token exists exactly when the number is valid;
    - sex is F, M or null; quarantine reasons come from the known list. -#}
{%- set token_columns = [] -%}
{%- for column in adapter.get_columns_in_relation(model) -%}
    {%- if column.name.endswith('_token') -%}{%- do token_columns.append(column.name) -%}{%- endif -%}
{%- endfor %}

with

rows_under_test as (
    select * from {{ model }}
),

current_rows as (
    select * from rows_under_test
    where is_current_version and quarantine_reason is null
),

failures as (
    select 'current row without record token' as failure, source_row_number, delivery_file
    from current_rows
    where record_token is null

    union all

    select 'record token not unique among current rows', min(source_row_number), min(delivery_file)
    from current_rows
    group by record_token
    having count(*) > 1

    {%- for column in token_columns %}

    union all

    select '{{ column }} is not a 64-character hex token', source_row_number, delivery_file
    from rows_under_test
    where {{ column }} is not null and not regexp_full_match({{ column }}, '[0-9a-f]{64}')
    {%- endfor %}

    union all

    select 'NHS number token disagrees with its validity flag', source_row_number, delivery_file
    from rows_under_test
    where (nhs_number_token is not null) <> is_valid_nhs_number

    union all

    select 'sex is not F, M or null', source_row_number, delivery_file
    from rows_under_test
    where sex not in ('F', 'M')

    union all

    select 'unknown quarantine reason', source_row_number, delivery_file
    from rows_under_test
    where quarantine_reason not in (
        'missing_record_ref', 'missing_event_date', 'unparseable_event_date',
        'missing_extracted_at', 'unparseable_extracted_at', 'event_date_after_extract', 'birth_date_after_event'
    )
)

select * from failures
{% endtest %}
