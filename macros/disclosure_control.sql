{#- Statistical disclosure control for everything that leaves the Hub
    (models/sharing). The rules come from the disclosure_rules register
    per commission and recipient; the default is the common UK rule: counts of
    1 to 7 suppressed, every other count rounded to the nearest 5, and
    secondary suppression so that no suppressed cell can be recovered from a
    total. A sharing model computes every rate, interval, ratio and share it
    publishes from the counts it publishes (rounded, or NULL when withheld, so
    the figure is withheld with them), never from unrounded counts: every
    figure follows from what the share releases. Suppressed cells are NULL with the status marker
    var('sdc_suppressed_marker') ('[c]', as ONS marks confidential cells); a
    true zero stays 0. Plain SQL, but for sdc_resolved_rules (QUALIFY), which
    is dispatched so an engine without it adds one implementation. -#}

{% macro sdc_suppressed_marker() -%}
    {{ return(var('sdc_suppressed_marker', '[c]')) }}
{%- endmacro %}


{% macro sdc_is_suppressed(count, suppress_up_to) -%}
    {#- Primary suppression: true for a count from 1 to suppress_up_to; false
        for 0 and larger counts (and for NULL, which has nothing to hide). -#}
    coalesce({{ count }} between 1 and {{ suppress_up_to }}, false)
{%- endmacro %}


{% macro sdc_rounded(count, rounding_base) -%}
    {#- The count rounded to the nearest multiple of rounding_base, halves up. -#}
    cast(floor(({{ count }} + {{ rounding_base }} / 2.0) / {{ rounding_base }}) * {{ rounding_base }} as bigint)
{%- endmacro %}


{% macro sdc_published_count(count, is_suppressed, rounding_base) -%}
    {#- What a recipient sees of a count: NULL when suppressed (primary or
        secondary), else the count rounded. 0 stays 0. -#}
    case when not coalesce({{ is_suppressed }}, true) then {{ sdc_rounded(count, rounding_base) }} end
{%- endmacro %}


{% macro sdc_status(is_suppressed) -%}
    {#- The status beside a published count: the suppressed marker when the
        count is withheld, NULL when it is published. -#}
    case when coalesce({{ is_suppressed }}, true) then '{{ sdc_suppressed_marker() }}' end
{%- endmacro %}


{% macro sdc_resolved_rules(pairs, rules) -%}
    {{ return(adapter.dispatch('sdc_resolved_rules', 'insight_hub')(pairs, rules)) }}
{%- endmacro %}

{% macro default__sdc_resolved_rules(pairs, rules) -%}
    {#- For each row of `pairs` (a relation unique on commission_id and
        recipient_type), its columns plus the disclosure rule that applies:
        disclosure_rule_id, suppress_up_to, rounding_base. The most specific
        row of `rules` wins: commission and recipient named, then commission
        named (recipient *), then recipient named (commission *), then the
        default (* and *). -#}
    select
        pairs.*,
        rules.rule_id as disclosure_rule_id,
        rules.suppress_up_to,
        rules.rounding_base
    from {{ pairs }} as pairs
    inner join {{ rules }} as rules
        on
            rules.commission_id in (pairs.commission_id, '*')
            and rules.recipient_type in (pairs.recipient_type, '*')
    qualify row_number() over (
        partition by pairs.commission_id, pairs.recipient_type
        order by rules.commission_id = '*', rules.recipient_type = '*'
    ) = 1
{%- endmacro %}


{% macro sdc_secondary_suppression(cells, memberships, passes=none) -%}
    {#- Secondary suppression by iteration, in plain SQL. Emits CTEs (to follow
        the caller's own, after a comma) ending in `sdc_suppressed`.

        cells:       partition_id, cell_id, cell_value (unrounded count),
                     is_suppressed (primary), secondary_priority (lower is
                     suppressed first; e.g. LSOA before ward before borough)
        memberships: partition_id, constraint_id, cell_id; one constraint per
                     additive equation (a total and all of its parts), so a
                     cell belongs to the constraint where it is a part and to
                     the one where it is the total.

        A cell is recoverable by differencing when it is the only suppressed
        member of a constraint (its value is the total less the others, or the
        sum of the parts). Each pass finds every such constraint and also
        suppresses its cheapest other member with a value above 0 (by
        priority, then value, then cell_id); zeros are never suppressed, and
        whenever a constraint has exactly one suppressed member it has such a
        candidate (its total, or another part, is positive). A cell with a
        NULL secondary_priority is never chosen: its status is fixed (e.g. a
        cell another family decided, which this one must respect). Partitions are
        independent tables (a commission under one rule). After
        `passes` passes (var sdc_secondary_passes, default 10) sdc_suppressed
        holds each cell with is_suppressed, suppressed_at_pass (0 primary, k
        secondary in pass k, NULL published) and is_converged: whether no
        constraint of its partition still has exactly one suppressed member
        (tested on every sharing family). -#}
    {%- set passes = passes or var('sdc_secondary_passes', 10) -%}
    sdc_pass_0 as (
        select
            partition_id,
            cell_id,
            cell_value,
            secondary_priority,
            coalesce(is_suppressed, false) as is_suppressed,
            case when is_suppressed then 0 end as suppressed_at_pass
        from {{ cells }}
    ),
    {%- for pass in range(1, passes + 2) %}
    {%- set previous = 'sdc_pass_' ~ (pass - 1) %}
    sdc_pass_{{ pass }}_exposed as (
        -- constraints whose only suppressed member could be recovered
        select
            sdc_memberships.partition_id,
            sdc_memberships.constraint_id
        from {{ memberships }} as sdc_memberships
        inner join {{ previous }} as sdc_cells
            on
                sdc_memberships.partition_id = sdc_cells.partition_id
                and sdc_memberships.cell_id = sdc_cells.cell_id
        group by sdc_memberships.partition_id, sdc_memberships.constraint_id
        having count(case when sdc_cells.is_suppressed then 1 end) = 1
    ),
    {%- if pass <= passes %}
    sdc_pass_{{ pass }}_chosen as (
        select distinct
            partition_id,
            cell_id
        from (
            select
                sdc_memberships.partition_id,
                sdc_memberships.cell_id,
                row_number() over (
                    partition by sdc_memberships.partition_id, sdc_memberships.constraint_id
                    order by sdc_cells.secondary_priority, sdc_cells.cell_value, sdc_cells.cell_id
                ) as choice
            from sdc_pass_{{ pass }}_exposed as sdc_exposed
            inner join {{ memberships }} as sdc_memberships
                on
                    sdc_exposed.partition_id = sdc_memberships.partition_id
                    and sdc_exposed.constraint_id = sdc_memberships.constraint_id
            inner join {{ previous }} as sdc_cells
                on
                    sdc_memberships.partition_id = sdc_cells.partition_id
                    and sdc_memberships.cell_id = sdc_cells.cell_id
            where not sdc_cells.is_suppressed and sdc_cells.cell_value > 0 and sdc_cells.secondary_priority is not null
        ) as sdc_candidates
        where choice = 1
    ),
    sdc_pass_{{ pass }} as (
        select
            sdc_cells.partition_id,
            sdc_cells.cell_id,
            sdc_cells.cell_value,
            sdc_cells.secondary_priority,
            sdc_cells.is_suppressed or sdc_chosen.cell_id is not null as is_suppressed,
            coalesce(
                sdc_cells.suppressed_at_pass, case when sdc_chosen.cell_id is not null then {{ pass }} end
            ) as suppressed_at_pass
        from {{ previous }} as sdc_cells
        left join sdc_pass_{{ pass }}_chosen as sdc_chosen
            on
                sdc_cells.partition_id = sdc_chosen.partition_id
                and sdc_cells.cell_id = sdc_chosen.cell_id
    ),
    {%- endif %}
    {%- endfor %}
    sdc_suppressed as (
        select
            sdc_cells.partition_id,
            sdc_cells.cell_id,
            sdc_cells.cell_value,
            sdc_cells.is_suppressed,
            sdc_cells.suppressed_at_pass,
            sdc_cells.partition_id not in (
                select sdc_unresolved.partition_id from sdc_pass_{{ passes + 1 }}_exposed as sdc_unresolved
            ) as is_converged
        from sdc_pass_{{ passes }} as sdc_cells
    )
{%- endmacro %}


{% macro sdc_count_columns(name, count, is_suppressed, rounding_base) -%}
    {#- The two select-list columns a sharing model publishes for one count:
        `name` (rounded, or NULL when suppressed) and `name`_status (the
        suppressed marker, or NULL when published). Every rate, interval,
        ratio and share the model publishes is computed from `name`, never
        from `count`. -#}
    {{ sdc_published_count(count, is_suppressed, rounding_base) }} as {{ name }},
    {{ sdc_status(is_suppressed) }} as {{ name }}_status
{%- endmacro %}


{#- Building a suppression table (models/sharing/disclosure) and reading
    it back in a sharing model. -#}

{% macro sdc_cell_counts(relation, measures, area_level, area_code=none, columns=[], total=false) -%}
    {#- The cells one area level contributes to a suppression table, as rows
        of commission_id, measure, the `columns` (select-list SQL, e.g.
        'service_code'), area_level, area_code and cell_value: one per row of
        `relation` and (measure, count column) pair of `measures`. Rows
        whose area_code (SQL) is NULL (people or households not located)
        are left out; with area_code none every row is kept and area_code is
        NULL (a borough row). With total=true, one row per commission and
        measure instead: the sum over the located rows (a borough total,
        area_code NULL; `columns` must then be constants). -#}
    {%- for measure, column in measures %}
    select
        commission_id,
        '{{ measure }}' as measure,
        {%- for extra in columns %}
        {{ extra }},
        {%- endfor %}
        '{{ area_level }}' as area_level,
        {{ 'cast(null as varchar)' if total or area_code is none else area_code }} as area_code,
        {{ 'sum(' ~ column ~ ')' if total else column }} as cell_value
    from {{ relation }}
    {%- if area_code is not none %}
    where {{ area_code }} is not null
    {%- endif %}
    {%- if total %}
    group by commission_id
    {%- endif %}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}


{% macro sdc_cells(counts, partitions, keys, secondary_priority, columns=[]) -%}
    {#- The cells sdc_secondary_suppression takes: each row of `counts`
        (commission_id, the `keys` that identify a cell, other `columns`
        to carry, cell_value) in each partition of its commission (from
        sharing_partitions), with cell_id (the keys joined by '|', NULL as
        ''), the count as a bigint, its primary suppression under the
        partition's threshold and `secondary_priority` (SQL on the columns
        of `counts`; lower is suppressed first). -#}
    select
        {{ partitions }}.partition_id,
        {{ partitions }}.commission_id,
        {{ partitions }}.suppress_up_to,
        {%- for column in keys + columns %}
        {{ counts }}.{{ column }},
        {%- endfor %}
        concat_ws(
            '|'
            {%- for key in keys %}, coalesce({{ counts }}.{{ key }}, ''){% endfor %}
        ) as cell_id,
        cast({{ counts }}.cell_value as bigint) as cell_value,
        {{ sdc_is_suppressed(counts ~ '.cell_value', partitions ~ '.suppress_up_to') }} as is_suppressed,
        {{ secondary_priority }} as secondary_priority
    from {{ counts }}
    inner join {{ partitions }}
        on {{ counts }}.commission_id = {{ partitions }}.commission_id
{%- endmacro %}


{% macro sdc_suppressed_cells(cells, keys) -%}
    {#- The suppression table a disclosure model publishes, after
        sdc_secondary_suppression('<cells>', ...): each cell's partition,
        commission, threshold, `keys` and unrounded value with is_suppressed,
        suppressed_at_pass and is_converged. -#}
    select
        {{ cells }}.partition_id,
        {{ cells }}.commission_id,
        {{ cells }}.suppress_up_to,
        {%- for key in keys %}
        {{ cells }}.{{ key }},
        {%- endfor %}
        {{ cells }}.cell_value,
        sdc_suppressed.is_suppressed,
        sdc_suppressed.suppressed_at_pass,
        sdc_suppressed.is_converged
    from {{ cells }}
    inner join sdc_suppressed
        on
            {{ cells }}.partition_id = sdc_suppressed.partition_id
            and {{ cells }}.cell_id = sdc_suppressed.cell_id
{%- endmacro %}


{% macro sdc_cell_flags(suppression, area_level, measures, keys=[], area_code=none, where=none) -%}
    {#- A suppression table read back by a sharing model: one row per
        commission, threshold, `keys` (e.g. service_code) and area of
        `area_level` (the area's code named `area_code`, e.g. ward_code;
        none for the borough), with is_<measure>_suppressed and
        <measure>_value (the unrounded count, for the sharing model to
        publish with sdc_count_columns) for each of `measures` (names, or
        (measure, column) pairs as multiple_needs_measures gives). Only rows
        of those measures (and meeting `where`, SQL) are read. -#}
    {%- set measures = measures | map('first') | list if measures and measures[0] is not string else measures -%}
    {%- set group_by = ['commission_id', 'suppress_up_to'] + keys + ([] if area_code is none else ['area_code']) -%}
    select
        commission_id,
        suppress_up_to,
        {%- for key in keys %}
        {{ key }},
        {%- endfor %}
        {%- if area_code is not none %}
        area_code as {{ area_code }},
        {%- endif %}
        {%- for measure in measures %}
        bool_or(is_suppressed) filter (where measure = '{{ measure }}') as is_{{ measure }}_suppressed,
        max(cell_value) filter (where measure = '{{ measure }}') as {{ measure }}_value
        {{- ',' if not loop.last }}
        {%- endfor %}
    from {{ suppression }}
    where
        area_level = '{{ area_level }}'
        and measure in ('{{ measures | join("', '") }}')
        {%- if where %}
        and {{ where }}
        {%- endif %}
    group by {{ group_by | join(', ') }}
{%- endmacro %}
