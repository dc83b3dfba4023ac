with

source as (
    select * from {{ source('llpg', 'properties') }}
),

renamed as (
    select
        {{ normalise_uprn('"UPRN"') }} as uprn,
        {{ normalise_postcode('"POSTCODE_LOCATOR"') }} as postcode,
        classification_code as property_classification_code,
        case
            when classification_code = 'RD02' then 'Detached house'
            when classification_code = 'RD03' then 'Semi-detached house'
            when classification_code = 'RD04' then 'Terraced house'
            when classification_code = 'RD06' then 'Flat or maisonette'
            when classification_code = 'RH02' then 'House in multiple occupation'
            when starts_with(classification_code, 'R') then 'Other residential'
            else 'Non-residential'
        end as property_type,
        starts_with(classification_code, 'R') as is_residential,
        logical_status = '1' as is_approved
    from source
),

pseudonymised as (
    {{ pseudonymise_reference(
        'renamed',
        {'uprn_token': ['uprn', 'uprn'], 'postcode_token': ['postcode', 'postcode']},
        ['property_classification_code', 'property_type', 'is_residential', 'is_approved']
    ) }}
)

select * from pseudonymised
