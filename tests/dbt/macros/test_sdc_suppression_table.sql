-- Building and reading back a suppression table (macros/disclosure_control.sql,
-- macros/sharing.sql) on one small mart worked by hand: people in wards W1 3,
-- W2 20 and W3 12, and 4 not located, for commission c1 under thresholds 7
-- and 2. sdc_cell_counts gives the three wards and their borough total 35
-- (the not located row is left out); sdc_cells keys them per partition.
-- Under 7, W1 is withheld (primary) and is alone in borough = W1 + W2 + W3,
-- so the cheapest other ward, W3, is withheld in pass 1 (wards before the
-- borough). Under 2 nothing is. sdc_suppressed_cells and sdc_cell_flags read
-- that back per ward and for the borough (each cell's flag and unrounded
-- value); sharing_cells_match joins an approval under threshold 7 to its
-- ward rows (sharing_approval_columns first), which publish W2's 20 (and
-- its rate, 100.0 per 1,000 of 200, from the published count) and withhold
-- W1 and W3 with their rates. Fails with each row that does not come out
-- as expected.
with

mart as (
    select mart.*
    from (
        values
        ('c1', 's1', 'W1', 3, 100),
        ('c1', 's1', 'W2', 20, 200),
        ('c1', 's1', 'W3', 12, 150),
        ('c1', 's1', null, 4, null)
    ) as mart (commission_id, service_code, ward_code, people_count, resident_count)
),

partitions as (
    select partitions.*
    from (
        values
        ('c1/7', 'c1', 7),
        ('c1/2', 'c1', 2)
    ) as partitions (partition_id, commission_id, suppress_up_to)
),

approvals as (
    select approvals.*
    from (
        values
        ('Recipient', 'c1', 'A1', 'DR-TEST', 7, 5)
    ) as approvals (recipient_type, commission_id, approval_id, disclosure_rule_id, suppress_up_to, rounding_base)
),

counts as (
    {{ sdc_cell_counts('mart', [('people', 'people_count')], 'ward', 'ward_code', columns=['service_code']) }}
    union all
    {{ sdc_cell_counts(
        'mart', [('people', 'people_count')], 'borough', 'ward_code', columns=["'s1' as service_code"], total=true
    ) }}
),

cells as (
    {{ sdc_cells(
        'counts', 'partitions', ['measure', 'service_code', 'area_level', 'area_code'],
        "case when counts.area_level = 'borough' then 2 else 1 end"
    ) }}
),

memberships as (
    select
        partition_id,
        'people|wards' as constraint_id,
        cell_id
    from cells
),

{{ sdc_secondary_suppression('cells', 'memberships') }},

suppressed as (
    {{ sdc_suppressed_cells('cells', ['measure', 'service_code', 'area_level', 'area_code']) }}
),

ward_cells as (
    {{ sdc_cell_flags('suppressed', 'ward', ['people'], ['service_code'], 'ward_code') }}
),

borough_cells as (
    {{ sdc_cell_flags('suppressed', 'borough', ['people'], ['service_code']) }}
),

expected as (
    select expected.*
    from (
        values
        (7, 'ward', 'W1', 3, 0, true),
        (7, 'ward', 'W2', 20, null, false),
        (7, 'ward', 'W3', 12, 1, true),
        (7, 'borough', null, 35, null, false),
        (2, 'ward', 'W1', 3, null, false),
        (2, 'ward', 'W2', 20, null, false),
        (2, 'ward', 'W3', 12, null, false),
        (2, 'borough', null, 35, null, false)
    ) as expected (suppress_up_to, area_level, area_code, cell_value, suppressed_at_pass, is_suppressed)
),

table_failures as (
    select 'suppressed ' || coalesce(expected.area_code, suppressed.area_code, 'borough') as failure
    from expected
    full join suppressed
        on
            expected.suppress_up_to = suppressed.suppress_up_to
            and expected.area_level = suppressed.area_level
            and expected.area_code is not distinct from suppressed.area_code
    where
        expected.area_level is null
        or suppressed.area_level is null
        or suppressed.partition_id <> 'c1/' || expected.suppress_up_to
        or suppressed.commission_id <> 'c1'
        or suppressed.measure <> 'people'
        or suppressed.service_code <> 's1'
        or suppressed.cell_value <> expected.cell_value
        or suppressed.suppressed_at_pass is distinct from expected.suppressed_at_pass
        or suppressed.is_suppressed <> expected.is_suppressed
        or not suppressed.is_converged
),

flag_failures as (
    select 'ward flag ' || coalesce(expected.area_code, ward_cells.ward_code) as failure
    from (
        select * from expected
        where area_level = 'ward'
    ) as expected
    full join ward_cells
        on
            expected.suppress_up_to = ward_cells.suppress_up_to
            and expected.area_code = ward_cells.ward_code
    where
        ward_cells.ward_code is null
        or expected.area_code is null
        or ward_cells.commission_id <> 'c1'
        or ward_cells.service_code <> 's1'
        or ward_cells.is_people_suppressed <> expected.is_suppressed
    union all
    select 'borough flag ' || borough_cells.suppress_up_to as failure
    from borough_cells
    where borough_cells.is_people_suppressed
    union all
    select 'borough rows' as failure
    from borough_cells
    having count(*) <> 2
),

shared as (
    select
        {{ sharing_approval_columns() }},
        mart.ward_code,
        ward_cells.people_value,
        {{ sdc_count_columns(
            'people_count', 'ward_cells.people_value', 'ward_cells.is_people_suppressed', 'approvals.rounding_base'
        ) }},
        mart.resident_count
    from approvals
    inner join mart
        on approvals.commission_id = mart.commission_id
    inner join ward_cells
        on {{ sharing_cells_match('ward_cells', 'mart', ['service_code', 'ward_code']) }}
),

rated as (
    select
        *,
        {{ rate_per_1000_interval_columns('people', 'people_count', 'resident_count') }}
    from shared
),

shared_failures as (
    select 'shared ' || coalesce(rated.ward_code, 'rows') as failure
    from rated
    inner join mart
        on rated.ward_code = mart.ward_code
    where
        rated.recipient_type <> 'Recipient'
        or rated.approval_id <> 'A1'
        or rated.disclosure_rule_id <> 'DR-TEST'
        or rated.suppress_up_to <> 7
        or rated.rounding_base <> 5
        or rated.people_value <> mart.people_count
        or rated.people_count is distinct from case when rated.ward_code = 'W2' then 20 end
        or rated.people_count_status is distinct from case when rated.ward_code <> 'W2' then '[c]' end
        or rated.people_rate_per_1000 is distinct from case when rated.ward_code = 'W2' then 100.0 end
        or (rated.people_rate_per_1000_ci_lower is null) <> (rated.ward_code <> 'W2')
    union all
    select 'shared rows' as failure
    from rated
    having count(*) <> 3
)

select * from table_failures
union all
select * from flag_failures
union all
select * from shared_failures
