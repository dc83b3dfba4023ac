{#- One row per delivery file of every person-level extract, loaded or set
    aside by the pre-load check (stg_landing__delivery_checks, which also
    gives its status, problem and place in the delivery order): what arrived
    and what was wrong with it. Rows received are the rows staging parsed
    plus the lines the CSV parser rejected; identifier validity comes from
    staging's flags; quarantined rows from int_delivery_rows__quarantined;
    whether the delivery's current records geocode from the keyed spine, and
    how they link from int_linkage__matches_counted (a record belongs to the
    delivery of its current version, so a record re-sent later counts with
    the later delivery). -#}

with

{% for model in var('person_extracts') -%}
{{ model }} as (
    select * from {{ ref(model) }}
),

{% endfor -%}

deliveries as (
    select * from {{ ref('stg_landing__delivery_checks') }}
),

parser_rejects as (
    select * from {{ ref('stg_landing__rejected_rows') }}
),

quarantined_rows as (
    select * from {{ ref('int_delivery_rows__quarantined') }}
),

person_records as (
    select * from {{ ref('int_person_records__keyed') }}
),

match_counts as (
    select * from {{ ref('int_linkage__matches_counted') }}
),

staged_rows as (
    {%- for model in var('person_extracts') %}
    select
        commission_id,
        service_code,
        source_table,
        delivery_file,
        extracted_at,
        is_duplicate_row,
        is_current_version,
        has_nhs_number,
        is_valid_nhs_number,
        has_postcode,
        is_valid_postcode,
        has_birth_date,
        is_valid_birth_date
    from {{ model }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

staged_deliveries as (
    select
        commission_id,
        service_code,
        source_table,
        delivery_file,
        max(extracted_at) as extracted_at,
        count(*) as staged_row_count,
        count(*) filter (where is_duplicate_row) as duplicate_row_count,
        count(*) filter (where has_nhs_number and not is_valid_nhs_number) as invalid_nhs_number_count,
        count(*) filter (where has_postcode and not is_valid_postcode) as invalid_postcode_count,
        count(*) filter (where has_birth_date and not is_valid_birth_date) as invalid_birth_date_count
    from staged_rows
    group by commission_id, service_code, source_table, delivery_file
),

rejected_deliveries as (
    select
        commission_id,
        delivery_file,
        count(distinct line_number) as parser_rejected_row_count
    from parser_rejects
    group by commission_id, delivery_file
),

quarantined_deliveries as (
    select
        commission_id,
        delivery_file,
        count(distinct row_number) as quarantined_row_count
    from quarantined_rows
    group by commission_id, delivery_file
),

current_deliveries as (
    select
        commission_id,
        delivery_file,
        count(*) as current_record_count,
        count(*) filter (where not is_geocoded) as not_geocoded_record_count
    from person_records
    group by commission_id, delivery_file
),

profiled as (
    select
        deliveries.commission_id,
        deliveries.service_code,
        deliveries.source_table,
        deliveries.delivery_file,
        deliveries.delivery_status,
        deliveries.problem_line_number,
        deliveries.problem as delivery_problem,
        deliveries.delivery_sequence,
        staged_deliveries.extracted_at,
        coalesce(staged_deliveries.duplicate_row_count, 0) as duplicate_row_count,
        coalesce(staged_deliveries.invalid_nhs_number_count, 0) as invalid_nhs_number_count,
        coalesce(staged_deliveries.invalid_postcode_count, 0) as invalid_postcode_count,
        coalesce(staged_deliveries.invalid_birth_date_count, 0) as invalid_birth_date_count,
        case
            when deliveries.delivery_status = 'accepted'
                then
                    coalesce(staged_deliveries.staged_row_count, 0)
                    + coalesce(rejected_deliveries.parser_rejected_row_count, 0)
            else coalesce(deliveries.data_line_count, 0)
        end as received_row_count,
        coalesce(rejected_deliveries.parser_rejected_row_count, 0) as parser_rejected_row_count,
        coalesce(quarantined_deliveries.quarantined_row_count, 0) as quarantined_row_count,
        coalesce(current_deliveries.current_record_count, 0) as current_record_count,
        coalesce(current_deliveries.not_geocoded_record_count, 0) as not_geocoded_record_count,
        coalesce(match_counts.linked_record_count, 0) as linked_record_count,
        coalesce(match_counts.cross_service_record_count, 0) as cross_service_linked_record_count
    from deliveries
    left join staged_deliveries
        on
            deliveries.commission_id = staged_deliveries.commission_id
            and deliveries.service_code = staged_deliveries.service_code
            and deliveries.source_table = staged_deliveries.source_table
            and deliveries.delivery_file = staged_deliveries.delivery_file
    left join rejected_deliveries
        on
            deliveries.commission_id = rejected_deliveries.commission_id
            and deliveries.delivery_file = rejected_deliveries.delivery_file
    left join quarantined_deliveries
        on
            deliveries.commission_id = quarantined_deliveries.commission_id
            and deliveries.delivery_file = quarantined_deliveries.delivery_file
    left join current_deliveries
        on
            deliveries.commission_id = current_deliveries.commission_id
            and deliveries.delivery_file = current_deliveries.delivery_file
    left join match_counts
        on
            deliveries.commission_id = match_counts.commission_id
            and deliveries.service_code = match_counts.service_code
            and deliveries.delivery_file = match_counts.delivery_file
)

select * from profiled
