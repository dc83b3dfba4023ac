with

source as (
    select * from {{ source('demograph', 'household_segments_postcode') }}
),

renamed as (
    select
        {{ normalise_postcode('"Postcode"') }} as postcode,
        "Segment Code" as segment_code,
        "Segment Name" as segment_name,
        "Group Code" as segment_group_code,
        "Group Name" as segment_group_name
    from source
),

pseudonymised as (
    {{ pseudonymise_reference(
        'renamed',
        {'postcode_token': ['postcode', 'postcode']},
        ['segment_code', 'segment_name', 'segment_group_code', 'segment_group_name']
    ) }}
)

select * from pseudonymised
