{#- Each linked household's commercial household segment (Demograph
    Neighbourhood Lifestyles), by the postcode of the record that placed it.
    Everything downstream of this model carries the segmentation's
    commercial licence: it may only be shared with recipients the licence
    clears (licence_clearances). Households whose postcode has no segment
    have a null segment. -#}

with

households as (
    select * from {{ ref('int_households__located') }}
),

segments as (
    select * from {{ ref('stg_demograph__household_segments') }}
),

segmented as (
    select
        households.commission_id,
        households.household_key,
        households.targeted_service_count,
        segments.segment_group_code,
        segments.segment_group_name
    from households
    left join segments
        on
            households.commission_id = segments.commission_id
            and households.postcode_token = segments.postcode_token
)

select * from segmented
