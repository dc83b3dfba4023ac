{#- Households by the number of targeted services they are known to (the
    multiple needs marts in models/marts/multiple_needs and their sharing
    copies): the bands, their counts and how they add up; and the households
    two services have in common (service_overlap). -#}

{% macro multiple_needs_measures() -%}
    {#- The counts of the multiple needs marts, as (measure, column) pairs in
        the order the marts and their shares publish them: households known
        to any targeted service, to 1, 2, 3 and 4 or more, and to 2 or more
        (multiple needs). -#}
    {{ return([
        ('known', 'households_known_count'),
        ('band_1', 'known_to_1_service_count'),
        ('band_2', 'known_to_2_services_count'),
        ('band_3', 'known_to_3_services_count'),
        ('band_4_plus', 'known_to_4_plus_services_count'),
        ('multiple', 'multiple_needs_households_count'),
    ]) }}
{%- endmacro %}


{% macro households_by_band(service_count='targeted_service_count') -%}
    {#- The select-list columns counting the rows (households) of a group by
        `service_count`, the number of targeted services each is known to:
        the columns of multiple_needs_measures, in that order. -#}
    count(*) filter (where {{ service_count }} >= 1) as households_known_count,
    count(*) filter (where {{ service_count }} = 1) as known_to_1_service_count,
    count(*) filter (where {{ service_count }} = 2) as known_to_2_services_count,
    count(*) filter (where {{ service_count }} = 3) as known_to_3_services_count,
    count(*) filter (where {{ service_count }} >= 4) as known_to_4_plus_services_count,
    count(*) filter (where {{ service_count }} >= 2) as multiple_needs_households_count
{%- endmacro %}


{% macro multiple_needs_columns() -%}
    {#- The columns of multiple_needs_measures as a select list of names, in
        that order: the band counts a multiple needs mart's final step
        publishes from the step that made them. -#}
    {{ multiple_needs_measures() | map('last') | join(',\n') }}
{%- endmacro %}


{% macro households_by_band_or_zero(relation) -%}
    {#- The select-list columns of multiple_needs_measures read from
        `relation` (an aggregate made with households_by_band) as BIGINT,
        zero where `relation` has no row: what a mart publishes for an area
        left-joined to the aggregate that no household is placed in. -#}
    {%- for measure, column in multiple_needs_measures() %}
    cast(coalesce({{ relation }}.{{ column }}, 0) as bigint) as {{ column }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{% macro household_needs_share_columns(rows, cells, measures, benchmark) -%}
    {#- The counts a household needs share (multiple needs by ward or IMD
        decile, financial vulnerability) publishes for an area's row beside
        the borough's: the area's census households (from `rows`, the mart's
        CTE) and the borough's (borough_household_count, from the CTE
        borough_households), then each of `measures` published from `rows`
        under the flags of `cells` and each of `benchmark` published for the
        borough from the CTE borough_cells (prefix borough_), with their
        statuses (sharing_count_columns). -#}
    {{ rows }}.household_count,
    borough_households.household_count as borough_household_count,
    {{ sharing_count_columns(measures, cells, rows) }},
    {{ sharing_count_columns(benchmark, 'borough_cells', prefix='borough_') }}
{%- endmacro %}


{% macro multiple_needs_band_constraints(cells) -%}
    {#- The additive constraints between the bands of one area, as
        memberships rows (partition_id, constraint_id, cell_id) of the cells
        of a multiple needs suppression table (measures named as in
        multiple_needs_measures): known = 1 + 2 + 3 + 4+ and
        multiple = 2 + 3 + 4+. -#}
    -- per area: known = 1 + 2 + 3 + 4+
    select
        partition_id,
        'known|' || area_level || '|' || coalesce(area_code, '') as constraint_id,
        cell_id
    from {{ cells }}
    where measure in ('known', 'band_1', 'band_2', 'band_3', 'band_4_plus')
    union all
    -- per area: multiple = 2 + 3 + 4+
    select
        partition_id,
        'multiple|' || area_level || '|' || coalesce(area_code, '') as constraint_id,
        cell_id
    from {{ cells }}
    where measure in ('multiple', 'band_2', 'band_3', 'band_4_plus')
{%- endmacro %}


{% macro financial_vulnerability_measures() -%}
    {#- The counts of ward_financial_vulnerability, as (measure, column) pairs
        in the order the mart and its share publish them: financially
        vulnerable households, of those with arrears and with council tax
        reduction, and those also known to social care, housing, community
        safety and any of the three. -#}
    {{ return([
        ('financially_vulnerable', 'financially_vulnerable_households_count'),
        ('with_arrears', 'households_with_arrears_count'),
        ('with_reduction', 'households_with_council_tax_reduction_count'),
        ('known_to_social_care', 'vulnerable_known_to_social_care_count'),
        ('known_to_housing', 'vulnerable_known_to_housing_count'),
        ('known_to_community_safety', 'vulnerable_known_to_community_safety_count'),
        ('known_to_any', 'vulnerable_known_to_any_count'),
    ]) }}
{%- endmacro %}


{% macro service_overlap_index_columns() -%}
    {#- The select-list columns service_overlap and its share publish for a
        pair of services, from its households_known_to_both_count,
        first_service_households_count and second_service_households_count:
        the Jaccard index (both / either) and the share of each service's
        households the other also knows (share_of_total); each NULL when a
        count it uses is NULL (withheld, in the share). -#}
    {{ jaccard_index(
        'households_known_to_both_count', 'first_service_households_count', 'second_service_households_count'
    ) }} as jaccard_index,
    {{ share_of_total('households_known_to_both_count', 'first_service_households_count') }}
        as first_service_share_also_known_to_second,
    {{ share_of_total('households_known_to_both_count', 'second_service_households_count') }}
        as second_service_share_also_known_to_first
{%- endmacro %}
