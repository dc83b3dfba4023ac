-- The sharing macros (macros/sharing.sql) on the project's own registers:
-- commercial_sources_upstream finds the licensed segmentation upstream of
-- share_segment_multiple_needs and nothing upstream of share_ward_multiple_needs;
-- sharing_approvals_for returns exactly the in-date approvals of an output,
-- under the right rule, and for a commercially licensed output only those of
-- recipients the licence clears; sharing_partitions has one row per
-- commission and threshold in use. Fails with each broken expectation.
{%- set segment_model = 'model.' ~ project_name ~ '.share_segment_multiple_needs' %}
{%- set plain_model = 'model.' ~ project_name ~ '.share_ward_multiple_needs' %}
{%- set licensed = commercial_sources_upstream(segment_model) %}
{%- set unlicensed = commercial_sources_upstream(plain_model) %}
{%- set as_of = "date '" ~ as_of_date() ~ "'" %}

with

approvals as (
    select * from {{ ref('sharing_approvals') }}
),

clearances as (
    select * from {{ ref('licence_clearances') }}
),

in_date as (
    select * from approvals
    where approved_date <= {{ as_of }} and coalesce(expires_date >= {{ as_of }}, true)
),

ward_approvals as (
    {{ sharing_approvals_for('ward_multiple_needs', plain_model) }}
),

segment_approvals as (
    {{ sharing_approvals_for('segment_multiple_needs', segment_model) }}
),

partitions as (
    {{ sharing_partitions() }}
),

failures as (
    select
        'lineage: ' || '{{ licensed | join(",") }}'
        || ' / ' || '{{ unlicensed | join(",") }}' as failure
    where
        {{ 'false' if not execute or (
            licensed == ['demograph.household_segments_postcode'] and unlicensed == []
        ) else 'true' }}

    union all

    -- ward_multiple_needs: every in-date approval, nothing else
    select 'ward approval ' || coalesce(in_date.approval_id, ward_approvals.approval_id)
    from (
        select * from in_date
        where output_model = 'ward_multiple_needs'
    ) as in_date
    full join ward_approvals
        on in_date.approval_id = ward_approvals.approval_id
    where in_date.approval_id is null or ward_approvals.approval_id is null

    union all

    -- the Voluntary sector rule for IH-2026-001, the default elsewhere
    select 'rule of ' || approval_id
    from ward_approvals
    where
        disclosure_rule_id <> case
            when
                commission_id = 'IH-2026-001'
                and recipient_type = 'Voluntary Agencies /Third Sector'
                then 'DR-2026-001'
            else 'DR-DEFAULT'
        end

    union all

    -- segment_multiple_needs: only recipients with an in-date clearance
    select 'uncleared recipient ' || segment_approvals.recipient_type
    from segment_approvals
    where
        segment_approvals.recipient_type not in (
            select clearances.recipient_type from clearances
            where
                clearances.source_name = 'demograph.household_segments_postcode'
                and clearances.cleared_date <= {{ as_of }}
                and coalesce(clearances.expires_date >= {{ as_of }}, true)
        )

    union all

    select 'partitions not unique'
    from partitions
    group by commission_id, suppress_up_to
    having count(*) > 1
)

select * from failures
