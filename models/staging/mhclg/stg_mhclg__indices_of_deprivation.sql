with

source as (
    select * from {{ source('mhclg', 'iod2025_lsoa') }}
),

renamed as (
    select
        "LSOA code (2021)" as lsoa21_code,
        cast("Index of Multiple Deprivation (IMD) Score" as double) as imd_score,
        cast("Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)" as integer) as imd_rank,
        cast("Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)" as integer)
            as imd_decile,
        cast("Income Score (rate)" as double) as income_score,
        cast("Income Rank (where 1 is most deprived)" as integer) as income_rank,
        cast("Income Decile (where 1 is most deprived 10% of LSOAs)" as integer) as income_decile,
        cast("Employment Score (rate)" as double) as employment_score,
        cast("Employment Rank (where 1 is most deprived)" as integer) as employment_rank,
        cast("Employment Decile (where 1 is most deprived 10% of LSOAs)" as integer) as employment_decile,
        cast("Income Deprivation Affecting Children Index (IDACI) Score (rate)" as double) as idaci_score,
        cast("Income Deprivation Affecting Children Index (IDACI) Rank (where 1 is most deprived)" as integer)
            as idaci_rank,
        cast(
            "Income Deprivation Affecting Children Index (IDACI) Decile (where 1 is most deprived 10% of LSOAs)"
            as integer
        ) as idaci_decile,
        cast("Income Deprivation Affecting Older People (IDAOPI) Score (rate)" as double) as idaopi_score,
        cast("Income Deprivation Affecting Older People (IDAOPI) Rank (where 1 is most deprived)" as integer)
            as idaopi_rank,
        cast(
            "Income Deprivation Affecting Older People (IDAOPI) Decile (where 1 is most deprived 10% of LSOAs)"
            as integer
        ) as idaopi_decile
    from source
)

select * from renamed
