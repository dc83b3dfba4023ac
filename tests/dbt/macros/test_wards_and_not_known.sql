-- wards_and_not_known (macros/geography.sql) on two commission/service
-- groups and three wards: every group gets each ward with its populations
-- (6 rows) and one 'Not known' row with null ward code and populations (2
-- rows), nothing else. Fails with each missing or unexpected row.
with

service_groups as (
    select service_groups.*
    from (values ('C1', 'housing'), ('C2', 'education')) as service_groups (commission_id, service_code)
),

wards as (
    select wards.*
    from (
        values ('W1', 'Ward one', 100, 40), ('W2', 'Ward two', 200, 80), ('W3', 'Ward three', 0, 0)
    ) as wards (ward_code, ward_name, resident_count, household_count)
),

produced as (
    {{ wards_and_not_known(
        'service_groups', ['commission_id', 'service_code'], 'wards', ['resident_count', 'household_count']
    ) }}
),

expected as (
    select expected.*
    from (
        values
        ('C1', 'housing', 'W1', 'Ward one', 100, 40),
        ('C1', 'housing', 'W2', 'Ward two', 200, 80),
        ('C1', 'housing', 'W3', 'Ward three', 0, 0),
        ('C1', 'housing', null, 'Not known', null, null),
        ('C2', 'education', 'W1', 'Ward one', 100, 40),
        ('C2', 'education', 'W2', 'Ward two', 200, 80),
        ('C2', 'education', 'W3', 'Ward three', 0, 0),
        ('C2', 'education', null, 'Not known', null, null)
    ) as expected (commission_id, service_code, ward_code, ward_name, resident_count, household_count)
)

{{ rows_differing('produced', 'expected') }}
