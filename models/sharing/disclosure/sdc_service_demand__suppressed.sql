{#- Primary and secondary suppression of every count the service demand
    family of sharing outputs publishes (share_borough_service_demand,
    share_ward_service_demand, share_lsoa_service_demand,
    share_ward_community_safety_demand, share_ward_service_first_contacts,
    share_service_equalities, share_service_overlap), computed together so
    the tables never disagree and no table gives away a cell another
    withholds. One suppression table per commission and threshold in use
    (sharing_partitions). Constraints, per service and measure (people,
    households):
        borough (located) = sum of its wards;  ward = sum of its LSOAs;
        all known = borough (located) + not located;
        ward people = sum of its monthly first contacts + those whose first
            contact is outside the trend window;
        per characteristic: users with a known value = sum of its
            categories; all people known = those + not known;
        per pair of services, for each: its households (all known) = those
            also known to the other + those not;
    and borough = sum of wards for community safety households with other
    needs. Cells published nowhere (not located, first contact outside the
    window, known to one service of a pair but not the other) are cells of
    their one constraint: withheld when small like any count, and the first
    chosen to cover another cell there (unknown unless 0). Otherwise cells
    are suppressed first at the lowest level: LSOAs, months, categories and
    pairs, then wards and totals of a characteristic, then the totals of
    all people known, then the borough. -#}

{%- set known = service_demand_measures() %}
{%- set located = [('people', 'located_people_count'), ('households', 'located_households_count')] %}
{%- set not_located = [('people', 'not_located_people_count'), ('households', 'not_located_households_count')] %}
{%- set other_needs = [('households_with_other_needs', 'households_with_other_needs_count')] %}
{%- set unpublished = ['not_located', 'first_contacts_outside_window', 'households_not_known_to'] %}
{%- set by_service = [
    'service_code', 'cast(null as varchar) as parent_area_code', 'cast(null as varchar) as breakdown',
] %}
{%- set community_safety = [
    "'community_safety' as service_code", 'cast(null as varchar) as parent_area_code',
    'cast(null as varchar) as breakdown',
] %}

with

partitions as (
    {{ sharing_partitions() }}
),

borough_demand as (
    select * from {{ ref('borough_service_demand') }}
),

ward_demand as (
    select * from {{ ref('ward_service_demand') }}
),

lsoa_demand as (
    select * from {{ ref('lsoa_service_demand') }}
),

community_safety_demand as (
    select * from {{ ref('ward_community_safety_demand') }}
),

first_contacts as (
    select * from {{ ref('ward_service_first_contacts') }}
),

equalities as (
    select * from {{ ref('service_equalities') }}
),

overlap as (
    select * from {{ ref('service_overlap') }}
),

not_located_demand as (
    select
        commission_id,
        service_code,
        not_located_people_count,
        households_known_count - located_households_count as not_located_households_count
    from borough_demand
),

first_contacts_outside_window as (
    -- people placed in the ward whose first contact is outside the trend window
    select
        ward_demand.commission_id,
        ward_demand.service_code,
        ward_demand.ward_code,
        ward_demand.people_known_count - coalesce(sum(first_contacts.first_contacts_count), 0)
            as outside_window_count
    from ward_demand
    left join first_contacts
        on
            ward_demand.commission_id = first_contacts.commission_id
            and ward_demand.service_code = first_contacts.service_code
            and ward_demand.ward_code = first_contacts.ward_code
    where ward_demand.ward_code is not null
    group by ward_demand.commission_id, ward_demand.service_code, ward_demand.ward_code, ward_demand.people_known_count
),

characteristics as (
    select distinct
        commission_id,
        service_code,
        characteristic,
        users_with_known_value_count
    from equalities
),

overlap_sides as (
    -- each service of a pair, with its households the other does not know
    select
        commission_id,
        first_service_code as service_code,
        second_service_code as other_service_code,
        first_service_households_count - households_known_to_both_count as households_not_known_to_count
    from overlap
    union all
    select
        commission_id,
        second_service_code as service_code,
        first_service_code as other_service_code,
        second_service_households_count - households_known_to_both_count as households_not_known_to_count
    from overlap
),

counts as (
    -- people and households known to each service: the located borough
    -- total, each ward and each LSOA (with its ward as parent), all of them
    -- and those not located
    {{ sdc_cell_counts('borough_demand', located, 'borough', columns=by_service) }}
    union all
    {{ sdc_cell_counts('ward_demand', known, 'ward', 'ward_code', columns=by_service) }}
    union all
    {{ sdc_cell_counts(
        'lsoa_demand', known, 'lsoa', 'lsoa21_code',
        columns=['service_code', 'ward_code as parent_area_code', 'cast(null as varchar) as breakdown']
    ) }}
    union all
    {{ sdc_cell_counts('borough_demand', known, 'all', columns=by_service) }}
    union all
    {{ sdc_cell_counts('not_located_demand', not_located, 'not_located', columns=by_service) }}
    union all
    -- community safety households with other needs: each ward and their total
    {{ sdc_cell_counts('community_safety_demand', other_needs, 'ward', 'ward_code', columns=community_safety) }}
    union all
    {{ sdc_cell_counts(
        'community_safety_demand', other_needs, 'borough', 'ward_code', columns=community_safety, total=true
    ) }}
    union all
    -- first contacts per ward and month (the month as breakdown), and outside the window
    {{ sdc_cell_counts(
        'first_contacts', [('first_contacts', 'first_contacts_count')], 'ward', 'ward_code',
        columns=['service_code', 'cast(null as varchar) as parent_area_code', 'cast(month_start_date as varchar) as breakdown']
    ) }}
    union all
    {{ sdc_cell_counts(
        'first_contacts_outside_window', [('first_contacts_outside_window', 'outside_window_count')], 'ward',
        'ward_code', columns=by_service
    ) }}
    union all
    -- users by characteristic (area_code) and category (breakdown)
    {{ sdc_cell_counts(
        'equalities', [('users', 'users_count')], 'characteristic', 'characteristic',
        columns=['service_code', 'cast(null as varchar) as parent_area_code', 'category_code as breakdown']
    ) }}
    union all
    {{ sdc_cell_counts(
        'characteristics', [('users_with_known_value', 'users_with_known_value_count')], 'characteristic',
        'characteristic', columns=by_service
    ) }}
    union all
    -- households known to both services of a pair (the second as breakdown),
    -- and to one but not the other
    {{ sdc_cell_counts(
        'overlap', [('households_known_to_both', 'households_known_to_both_count')], 'all',
        columns=[
            'first_service_code as service_code', 'cast(null as varchar) as parent_area_code',
            'second_service_code as breakdown',
        ]
    ) }}
    union all
    {{ sdc_cell_counts(
        'overlap_sides', [('households_not_known_to', 'households_not_known_to_count')], 'all',
        columns=['service_code', 'cast(null as varchar) as parent_area_code', 'other_service_code as breakdown']
    ) }}
),

classified as (
    -- the not known category of a characteristic is its own measure
    select
        commission_id,
        service_code,
        parent_area_code,
        breakdown,
        area_level,
        area_code,
        cell_value,
        case when measure = 'users' and breakdown is null then 'users_not_known' else measure end as measure
    from counts
),

cells as (
    {{ sdc_cells(
        'classified', 'partitions', ['measure', 'service_code', 'area_level', 'area_code', 'breakdown'],
        secondary_priority="case
            when classified.measure in ('" ~ unpublished | join("', '") ~ "')
                or classified.area_level = 'not_located' then 0
            when classified.area_level = 'lsoa'
                or classified.measure in ('first_contacts', 'users', 'users_not_known', 'households_known_to_both')
                then 1
            when classified.area_level in ('ward', 'characteristic') then 2
            when classified.area_level = 'all' then 3
            else 4
        end",
        columns=['parent_area_code']
    ) }}
),

cell_constraints as (
    -- each cell's constraints, one expression per kind (NULL where the cell
    -- is not a member): a total and its parts share a constraint_id
    select
        partition_id,
        cell_id,
        unnest([
            -- borough = sum of its wards
            case
                when
                    area_level in ('borough', 'ward')
                    and measure in ('people', 'households', 'households_with_other_needs')
                    then measure || '|' || service_code || '|borough'
            end,
            -- ward = sum of its LSOAs
            case
                when area_level = 'lsoa' or (area_level = 'ward' and measure in ('people', 'households'))
                    then measure || '|' || service_code || '|ward|' || coalesce(parent_area_code, area_code)
            end,
            -- all known = located + not located
            case
                when area_level in ('all', 'borough', 'not_located') and measure in ('people', 'households')
                    then measure || '|' || service_code || '|all'
            end,
            -- ward people = monthly first contacts + those outside the window
            case
                when
                    (area_level = 'ward' and measure = 'people')
                    or measure in ('first_contacts', 'first_contacts_outside_window')
                    then 'first_contacts|' || service_code || '|' || area_code
            end,
            -- users with a known value = sum of the known categories
            case
                when measure in ('users', 'users_with_known_value')
                    then 'users_known|' || service_code || '|' || area_code
            end,
            -- all people known = users with a known value + not known, per
            -- characteristic (the people cell joins each one below)
            case
                when measure in ('users_with_known_value', 'users_not_known')
                    then 'users_all|' || service_code || '|' || area_code
            end,
            -- a service's households = those also known to the other of a
            -- pair + those not (the households cell joins each pair below),
            -- for the first service of the pair and for the second
            case
                when measure in ('households_known_to_both', 'households_not_known_to')
                    then 'overlap|' || service_code || '|' || breakdown
            end,
            case
                when measure = 'households_known_to_both'
                    then 'overlap|' || breakdown || '|' || service_code
            end
        ]) as constraint_id
    from cells
),

memberships as (
    select
        partition_id,
        constraint_id,
        cell_id
    from cell_constraints
    where constraint_id is not null
    union all
    -- all people known is the total of each characteristic's constraint
    select
        people.partition_id,
        'users_all|' || people.service_code || '|' || known_values.area_code as constraint_id,
        people.cell_id
    from cells as people
    inner join cells as known_values
        on
            people.partition_id = known_values.partition_id
            and people.service_code = known_values.service_code
            and known_values.measure = 'users_with_known_value'
    where people.measure = 'people' and people.area_level = 'all'
    union all
    -- a service's households are the total of each pair's constraint
    select
        households.partition_id,
        'overlap|' || households.service_code || '|' || sides.breakdown as constraint_id,
        households.cell_id
    from cells as households
    inner join cells as sides
        on
            households.partition_id = sides.partition_id
            and households.service_code = sides.service_code
            and sides.measure = 'households_not_known_to'
    where households.measure = 'households' and households.area_level = 'all'
),

{{ sdc_secondary_suppression('cells', 'memberships') }},

suppressed as (
    {{ sdc_suppressed_cells('cells', ['measure', 'service_code', 'area_level', 'area_code', 'breakdown']) }}
)

select * from suppressed
