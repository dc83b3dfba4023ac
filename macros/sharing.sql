{#- The sharing layer (models/sharing): which approved recipients a
    shared output goes to, under which disclosure rule, and whether a
    commercial licence upstream allows it. -#}

{% macro commercial_sources_upstream(unique_id, memo=none) -%}
    {#- The sources with meta licence `commercial` anywhere upstream of a node,
        as sorted '<source>.<table>' names (empty while parsing). -#}
    {%- set memo = {} if memo is none else memo -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- if unique_id in memo -%}{{ return(memo[unique_id]) }}{%- endif -%}
    {%- set found = [] -%}
    {%- if unique_id in graph.sources -%}
        {%- set source = graph.sources[unique_id] -%}
        {%- if source.config.meta.get('licence') == 'commercial' -%}
            {%- do found.append(source.source_name ~ '.' ~ source.name) -%}
        {%- endif -%}
    {%- elif unique_id in graph.nodes -%}
        {%- for parent in graph.nodes[unique_id].depends_on.nodes -%}
            {%- for name in commercial_sources_upstream(parent, memo) if name not in found -%}
                {%- do found.append(name) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {%- do memo.update({unique_id: found | sort}) -%}
    {{ return(found | sort) }}
{%- endmacro %}


{% macro sharing_approvals_for(output_model, lineage_of=none) -%}
    {#- SQL selecting the approvals to share `output_model` (a mart) that are in
        date on as_of_date(), one row per approval: approval_id,
        recipient_type, commission_id, output_model and the disclosure rule
        that applies (disclosure_rule_id, suppress_up_to, rounding_base, from
        sdc_resolved_rules). When the calling sharing model's lineage (or that
        of the node lineage_of names) includes a commercially licensed
        source, only recipients with an in-date clearance for every such
        source in licence_clearances are kept. -#}
    {%- set approvals = ref('sharing_approvals') -%}
    {%- set rules = ref('disclosure_rules') -%}
    {%- set clearances = ref('licence_clearances') -%}
    {%- set as_of = "date '" ~ as_of_date() ~ "'" -%}
    select
        approvals.approval_id,
        approvals.recipient_type,
        approvals.commission_id,
        approvals.output_model,
        rules.disclosure_rule_id,
        rules.suppress_up_to,
        rules.rounding_base
    from {{ approvals }} as approvals
    inner join (
        {{ sdc_resolved_rules('(select distinct commission_id, recipient_type from ' ~ approvals ~ ')', rules) }}
    ) as rules
        on
            approvals.commission_id = rules.commission_id
            and approvals.recipient_type = rules.recipient_type
    where
        approvals.output_model = '{{ output_model }}'
        and approvals.approved_date <= {{ as_of }}
        and coalesce(approvals.expires_date >= {{ as_of }}, true)
        {%- for source_name in commercial_sources_upstream(lineage_of or model.unique_id) %}
        and approvals.recipient_type in (
            select licence_clearances.recipient_type
            from {{ clearances }} as licence_clearances
            where
                licence_clearances.source_name = '{{ source_name }}'
                and licence_clearances.cleared_date <= {{ as_of }}
                and coalesce(licence_clearances.expires_date >= {{ as_of }}, true)
        )
        {%- endfor %}
{%- endmacro %}


{% macro sharing_partitions() -%}
    {#- SQL selecting the independent suppression tables a sharing family
        needs: one per commission and primary-suppression threshold in use by
        an in-date approval of any output (partition_id, commission_id,
        suppress_up_to). Secondary suppression depends only on which cells
        are suppressed, so approvals under the same threshold share one
        pattern, and every output of a family is suppressed together: the
        ward and LSOA tables a recipient gets never disagree. -#}
    {%- set approvals = ref('sharing_approvals') -%}
    {%- set rules = ref('disclosure_rules') -%}
    {%- set as_of = "date '" ~ as_of_date() ~ "'" -%}
    select distinct
        commission_id || '/' || cast(suppress_up_to as varchar) as partition_id,
        commission_id,
        suppress_up_to
    from (
        {{ sdc_resolved_rules('(select distinct commission_id, recipient_type from ' ~ approvals ~ ' where approved_date <= ' ~ as_of ~ ' and coalesce(expires_date >= ' ~ as_of ~ ', true))', rules) }}
    ) as in_date_rules
{%- endmacro %}


{% macro sharing_approval_columns(approvals='approvals') -%}
    {#- The columns every sharing model leads with, from the rows of
        sharing_approvals_for: who gets the row (recipient_type,
        commission_id, approval_id) and under which disclosure rule
        (disclosure_rule_id, suppress_up_to, rounding_base). -#}
    {{ approvals }}.recipient_type,
    {{ approvals }}.commission_id,
    {{ approvals }}.approval_id,
    {{ approvals }}.disclosure_rule_id,
    {{ approvals }}.suppress_up_to,
    {{ approvals }}.rounding_base
{%- endmacro %}


{% macro sharing_cells_match(cells, mart, keys=[], approvals='approvals') -%}
    {#- The join condition from a sharing model's approval and mart row to
        the suppression flags of its cells (a CTE of sdc_cell_flags): the
        approval's commission and threshold, and the mart row's `keys`
        (e.g. service_code, ward_code). -#}
    {{ approvals }}.commission_id = {{ cells }}.commission_id
    and {{ approvals }}.suppress_up_to = {{ cells }}.suppress_up_to
    {%- for key in keys %}
    and {{ mart }}.{{ key }} = {{ cells }}.{{ key }}
    {%- endfor %}
{%- endmacro %}


{% macro sharing_count_columns(measures, cells, counts=none, prefix='', approvals='approvals') -%}
    {#- The published count and its status (sdc_count_columns) for each
        (measure, column) pair of `measures`, named `prefix` ~ column, under
        the suppression flags of `cells` (a CTE of sdc_cell_flags, matched
        with sharing_cells_match) and the approval's rounding base. The
        unrounded count is `counts`.column (the mart's row) or, with counts
        none, the cells' own <measure>_value: e.g. prefix 'borough_' for the
        borough benchmark a share publishes beside its areas. -#}
    {%- for measure, column in measures %}
    {{ sdc_count_columns(
        prefix ~ column,
        (counts ~ '.' ~ column) if counts else (cells ~ '.' ~ measure ~ '_value'),
        cells ~ '.is_' ~ measure ~ '_suppressed',
        approvals ~ '.rounding_base'
    ) }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{% macro sharing_borough_households(areas) -%}
    {#- The census households of the borough a share's areas are compared
        with, per commission: the sum of household_count over `areas` (a CTE
        of the mart's located areas, each once), as BIGINT. -#}
    select
        commission_id,
        cast(sum(household_count) as bigint) as household_count
    from {{ areas }}
    group by commission_id
{%- endmacro %}
