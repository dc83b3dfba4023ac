-- What a sharing model publishes for an area beside the borough (macros/sharing.sql),
-- on a suppression table worked by hand for commission c1 under threshold 7:
-- ward W1 with 3 people and 2 households (both withheld), ward W2 with 20
-- people and 12 households, and the borough with 23 people (withheld) and
-- 14 households. sdc_cell_flags reads the measures as (measure, column)
-- pairs as it does as names; sharing_count_columns publishes each ward's
-- counts from the mart's row (W2's cell says 99 households, the mart 12:
-- 10 is published, rounded to 5) and the borough's from its cells' own
-- values with prefix borough_ (15 households, people withheld), each with
-- its status; sharing_borough_households sums the wards' census households
-- per commission (100 + 300). Fails with each row or value that does not
-- come out as expected.
{%- set measures = [('people', 'people_count'), ('households', 'households_count')] %}

with

suppression as (
    select suppression.*
    from (
        values
        ('c1', 7, 'people', 'ward', 'W1', 3, true),
        ('c1', 7, 'households', 'ward', 'W1', 2, true),
        ('c1', 7, 'people', 'ward', 'W2', 20, false),
        ('c1', 7, 'households', 'ward', 'W2', 99, false),
        ('c1', 7, 'people', 'borough', null, 23, true),
        ('c1', 7, 'households', 'borough', null, 14, false)
    ) as suppression (commission_id, suppress_up_to, measure, area_level, area_code, cell_value, is_suppressed)
),

mart as (
    select mart.*
    from (
        values
        ('c1', 'W1', 3, 2, 100),
        ('c1', 'W2', 20, 12, 300)
    ) as mart (commission_id, ward_code, people_count, households_count, household_count)
),

approvals as (
    select approvals.*
    from (
        values
        ('Recipient', 'c1', 'A1', 'DR-TEST', 7, 5)
    ) as approvals (recipient_type, commission_id, approval_id, disclosure_rule_id, suppress_up_to, rounding_base)
),

ward_cells as (
    {{ sdc_cell_flags('suppression', 'ward', measures, area_code='ward_code') }}
),

ward_cells_by_name as (
    {{ sdc_cell_flags('suppression', 'ward', ['people', 'households'], area_code='ward_code') }}
),

borough_cells as (
    {{ sdc_cell_flags('suppression', 'borough', measures) }}
),

borough_households as (
    {{ sharing_borough_households('mart') }}
),

published as (
    select
        {{ sharing_approval_columns() }},
        mart.ward_code,
        borough_households.household_count as borough_household_count,
        {{ sharing_count_columns(measures, 'ward_cells', 'mart') }},
        {{ sharing_count_columns(measures, 'borough_cells', prefix='borough_') }}
    from approvals
    inner join mart
        on approvals.commission_id = mart.commission_id
    inner join borough_households
        on mart.commission_id = borough_households.commission_id
    inner join ward_cells
        on {{ sharing_cells_match('ward_cells', 'mart', ['ward_code']) }}
    inner join borough_cells
        on {{ sharing_cells_match('borough_cells', 'mart') }}
),

expected as (
    select expected.*
    from (
        values
        ('W1', 400, null, '[c]', null, '[c]', null, '[c]', 15, null),
        ('W2', 400, 20, null, 10, null, null, '[c]', 15, null)
    ) as expected (
        ward_code,
        borough_household_count,
        people_count,
        people_count_status,
        households_count,
        households_count_status,
        borough_people_count,
        borough_people_count_status,
        borough_households_count,
        borough_households_count_status
    )
),

published_failures as (
    select 'published ' || coalesce(expected.ward_code, published.ward_code) as failure
    from expected
    full join published
        on expected.ward_code = published.ward_code
    where
        expected.ward_code is null
        or published.ward_code is null
        or published.approval_id <> 'A1'
        or published.borough_household_count <> expected.borough_household_count
        or published.people_count is distinct from expected.people_count
        or published.people_count_status is distinct from expected.people_count_status
        or published.households_count is distinct from expected.households_count
        or published.households_count_status is distinct from expected.households_count_status
        or published.borough_people_count is distinct from expected.borough_people_count
        or published.borough_people_count_status is distinct from expected.borough_people_count_status
        or published.borough_households_count is distinct from expected.borough_households_count
        or published.borough_households_count_status is distinct from expected.borough_households_count_status
),

flag_failures as (
    select 'cell flags from (measure, column) pairs' as failure
    where
        (select count(*) from ward_cells) <> 2
        or exists (
            select * from ward_cells
            except
            select * from ward_cells_by_name
        )
)

select * from published_failures
union all
select * from flag_failures
