{#- People and households known to each service (the service demand marts
    in models/marts/services and their sharing copies): the counts and the
    rates published against the borough. -#}

{% macro service_demand_measures() -%}
    {#- The counts of the service demand marts, as (measure, column) pairs in
        the order the marts and their shares publish them: people known to
        the service and households known to it. -#}
    {{ return([
        ('people', 'people_known_count'),
        ('households', 'households_known_count'),
    ]) }}
{%- endmacro %}


{% macro service_demand_share_columns(rows, cells, measures=none) -%}
    {#- The counts a service demand share publishes for an area's row beside
        the borough's: the area's census residents and households (from
        `rows`, the mart's CTE) and the borough's (borough_resident_count,
        borough_household_count, from the CTE borough_demand), then each of
        `measures` (default service_demand_measures) published from `rows`
        under the flags of `cells` and each of service_demand_measures
        published for the borough from the CTE borough_cells (prefix
        borough_), with their statuses (sharing_count_columns). -#}
    {{ rows }}.resident_count,
    {{ rows }}.household_count,
    borough_demand.resident_count as borough_resident_count,
    borough_demand.household_count as borough_household_count,
    {{ sharing_count_columns(measures or service_demand_measures(), cells, rows) }},
    {{ sharing_count_columns(service_demand_measures(), 'borough_cells', prefix='borough_') }}
{%- endmacro %}


{% macro service_demand_rate_columns() -%}
    {#- The select-list columns an area's row of a service demand mart or
        share publishes against the borough (rate_per_1000_columns): people
        known per 1,000 residents and households known per 1,000 households,
        from the row's people_known_count, households_known_count,
        resident_count and household_count and the borough's beside them
        (borough_people_known_count, borough_households_known_count,
        borough_resident_count, borough_household_count). -#}
    {{ rate_per_1000_columns('people_known', 'people_known_count', 'resident_count') }},
    {{ rate_per_1000_columns('households_known', 'households_known_count', 'household_count') }}
{%- endmacro %}
