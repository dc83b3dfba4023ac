-- households_by_band and multiple_needs_band_constraints
-- (macros/multiple_needs.sql) on seven households known to 0, 1, 1, 2, 3, 4
-- and 5 targeted services: 6 known, 2 to one service, 1 to two, 1 to three,
-- 2 to four or more, 4 with multiple needs; multiple_needs_measures names
-- those columns in order; households_by_band_or_zero reads those counts for
-- an area that has them and zeros for one that does not; and every
-- constraint the band constraints declare holds on those counts (the total
-- equals the sum of its parts); multiple_needs_columns selects those columns
-- again, in order. service_overlap_index_columns on a pair of services with
-- 20 and 30 households, 10 in both: Jaccard 10 / 40 = 0.25, and 0.5 and
-- 0.3333 of each service's households known to the other; all null when
-- the households in both are withheld (null). Fails with each broken
-- expectation.
with

households as (
    select households.*
    from (values (0), (1), (1), (2), (3), (4), (5)) as households (targeted_service_count)
),

banded as (
    select
        {{ households_by_band() }}
    from households
),

areas as (
    select areas.*
    from (values ('counted'), ('empty')) as areas (area_code)
),

areas_banded as (
    select
        areas.area_code,
        {{ households_by_band_or_zero('banded') }}
    from areas
    left join banded
        on areas.area_code = 'counted'
),

areas_expected as (
    select areas_expected.*
    from (
        values ('counted', 6, 2, 1, 1, 2, 4), ('empty', 0, 0, 0, 0, 0, 0)
    ) as areas_expected (
        area_code,
        households_known_count,
        known_to_1_service_count,
        known_to_2_services_count,
        known_to_3_services_count,
        known_to_4_plus_services_count,
        multiple_needs_households_count
    )
),

cells as (
    {%- for measure, column in multiple_needs_measures() %}
    select
        'p' as partition_id,
        '{{ measure }}' as measure,
        'ward' as area_level,
        'W1' as area_code,
        '{{ measure }}' as cell_id,
        {{ column }} as cell_value
    from banded
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

memberships as (
    {{ multiple_needs_band_constraints('cells') }}
),

reselected as (
    select
        {{ multiple_needs_columns() }}
    from banded
),

pairs as (
    select pairs.*
    from (
        values
        ('counted', 20, 30, 10),
        ('withheld', 20, 30, null)
    ) as pairs (pair, first_service_households_count, second_service_households_count, households_known_to_both_count)
),

indexed as (
    select
        *,
        {{ service_overlap_index_columns() }}
    from pairs
),

sums as (
    select
        memberships.constraint_id,
        count(*) as member_count,
        sum(case when cells.measure in ('known', 'multiple') then cells.cell_value else 0 end) as total_value,
        sum(case when cells.measure in ('known', 'multiple') then 0 else cells.cell_value end) as parts_value
    from memberships
    inner join cells
        on memberships.cell_id = cells.cell_id
    group by memberships.constraint_id
)

select 'counts' as failure
from banded
where
    households_known_count <> 6
    or known_to_1_service_count <> 2
    or known_to_2_services_count <> 1
    or known_to_3_services_count <> 1
    or known_to_4_plus_services_count <> 2
    or multiple_needs_households_count <> 4
union all
select 'measures' as failure
where
    '{{ multiple_needs_measures() | map("last") | join(",") }}' <> 'households_known_count,known_to_1_service_count,'
    || 'known_to_2_services_count,known_to_3_services_count,known_to_4_plus_services_count,'
    || 'multiple_needs_households_count'
union all
select 'or zero ' || area_code as failure
from (
    select * from areas_banded
    except
    select * from areas_expected
) as unexpected
union all
select 'constraint ' || constraint_id as failure
from sums
where
    total_value <> parts_value
    or member_count <> case when constraint_id like 'known|%' then 5 else 4 end
union all
select 'constraints' as failure
where (select count(*) from sums) <> 2
union all
select 'multiple_needs_columns' as failure
where
    exists (
        select * from reselected
        except
        select * from banded
    )
union all
select 'overlap of the ' || pair || ' pair' as failure
from indexed
where
    jaccard_index is distinct from case when pair = 'counted' then 0.25 end
    or first_service_share_also_known_to_second is distinct from case when pair = 'counted' then 0.5 end
    or second_service_share_also_known_to_first is distinct from case when pair = 'counted' then 0.3333 end
union all
select 'overlap pairs' as failure
where (select count(*) from indexed) <> 2
