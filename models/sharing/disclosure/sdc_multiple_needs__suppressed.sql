{#- Primary and secondary suppression of every count the household needs
    family of sharing outputs publishes, computed together per commission
    and threshold (sharing_partitions): households known to 1, 2, 3 and 4+
    targeted services, their total and the households with multiple needs,
    by ward and by IMD decile (share_ward_multiple_needs,
    share_imd_decile_multiple_needs), and financially vulnerable households
    by ward (share_ward_financial_vulnerability). Shares publish households
    placed in an area, so the borough cell is the located total.
    Constraints:
        per area (borough, ward, decile):  known = 1 + 2 + 3 + 4+,
                                           multiple = 2 + 3 + 4+;
        per measure:                       borough = sum of wards
                                           (= sum of deciles for the bands);
        per ward:                          vulnerable = arrears + reduction
                                           - both, and known to social care
                                           + housing + community safety
                                           = known to any + those known to
                                           several (a household in two counts
                                           once more, in three twice more).
    The two remainders (households with both arrears and reduction, and the
    extra count of those known to several) are published nowhere: each is a
    cell of its one constraint, withheld when small like any count (so it
    cannot be derived from the published counts) and the first chosen to
    cover another cell there, as it is unknown unless 0. Bands are
    suppressed before totals, and wards and deciles before the borough. -#}

{%- set measures = multiple_needs_measures() %}
{%- set vulnerability = financial_vulnerability_measures() %}
{%- set remainders = [
    ('with_arrears_and_reduction', 'with_arrears_and_reduction_count'),
    ('known_to_several', 'known_to_several_count'),
] %}

with

partitions as (
    {{ sharing_partitions() }}
),

ward_needs as (
    select * from {{ ref('ward_multiple_needs') }}
),

decile_needs as (
    select * from {{ ref('imd_decile_multiple_needs') }}
),

ward_vulnerability as (
    select * from {{ ref('ward_financial_vulnerability') }}
),

vulnerability_remainders as (
    select
        commission_id,
        ward_code,
        households_with_arrears_count + households_with_council_tax_reduction_count
        - financially_vulnerable_households_count as with_arrears_and_reduction_count,
        vulnerable_known_to_social_care_count + vulnerable_known_to_housing_count
        + vulnerable_known_to_community_safety_count - vulnerable_known_to_any_count as known_to_several_count
    from ward_vulnerability
),

counts as (
    {{ sdc_cell_counts('ward_needs', measures, 'ward', 'ward_code') }}
    union all
    {{ sdc_cell_counts('decile_needs', measures, 'imd_decile', 'cast(imd_decile as varchar)') }}
    union all
    {{ sdc_cell_counts('ward_needs', measures, 'borough', 'ward_code', total=true) }}
    union all
    {{ sdc_cell_counts('ward_vulnerability', vulnerability, 'ward', 'ward_code') }}
    union all
    {{ sdc_cell_counts('ward_vulnerability', vulnerability, 'borough', 'ward_code', total=true) }}
    union all
    {{ sdc_cell_counts('vulnerability_remainders', remainders, 'ward', 'ward_code') }}
),

cells as (
    {{ sdc_cells(
        'counts', 'partitions', ['measure', 'area_level', 'area_code'],
        secondary_priority="case
            when counts.measure in ('with_arrears_and_reduction', 'known_to_several') then 0
            when counts.area_level = 'borough' then 30
            else 20
        end
        + case when counts.measure in ('known', 'multiple', 'financially_vulnerable', 'known_to_any') then 1 else 0 end"
    ) }}
),

memberships as (
    {{ multiple_needs_band_constraints('cells') }}
    union all
    -- per published measure: borough = sum of wards
    select
        partition_id,
        measure || '|wards' as constraint_id,
        cell_id
    from cells
    where
        area_level in ('borough', 'ward')
        and measure not in ('with_arrears_and_reduction', 'known_to_several')
    union all
    -- per band: borough = sum of deciles
    select
        partition_id,
        measure || '|imd_deciles' as constraint_id,
        cell_id
    from cells
    where
        area_level = 'imd_decile'
        or (
            area_level = 'borough'
            and measure in (
                select deciles.measure
                from cells as deciles
                where deciles.area_level = 'imd_decile'
            )
        )
    union all
    -- per ward: vulnerable = arrears + reduction - both
    select
        partition_id,
        'financially_vulnerable|ward|' || area_code as constraint_id,
        cell_id
    from cells
    where
        area_level = 'ward'
        and measure in ('financially_vulnerable', 'with_arrears', 'with_reduction', 'with_arrears_and_reduction')
    union all
    -- per ward: social care + housing + community safety = any + several
    select
        partition_id,
        'known_to_any|ward|' || area_code as constraint_id,
        cell_id
    from cells
    where
        area_level = 'ward'
        and measure in (
            'known_to_social_care', 'known_to_housing', 'known_to_community_safety', 'known_to_any', 'known_to_several'
        )
),

{{ sdc_secondary_suppression('cells', 'memberships') }},

suppressed as (
    {{ sdc_suppressed_cells('cells', ['measure', 'area_level', 'area_code']) }}
)

select * from suppressed
