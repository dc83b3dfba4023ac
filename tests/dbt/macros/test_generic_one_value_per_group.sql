-- The generic test one_value_per_group (tests/dbt/generic/one_value_per_group.sql)
-- on person keys worked by hand, one value of cluster_token per person_key:
-- it returns P2, held by two clusters on three rows, with 2 distinct values,
-- and P3, held by three, with 3; not P1 (one cluster on two rows) nor P4
-- (one cluster and a null); and nothing on the keys that keep the rule
-- alone. Fails with each row returned that was not planted and each planted
-- row not returned.
with

person_keys as (
    select person_keys.*
    from (
        values
        ('P1', 'C1'),
        ('P1', 'C1'),
        ('P2', 'C2'),
        ('P2', 'C2'),
        ('P2', 'C3'),
        ('P3', 'C4'),
        ('P3', 'C5'),
        ('P3', 'C6'),
        ('P4', 'C7'),
        ('P4', null)
    ) as person_keys (person_key, cluster_token)
),

consistent_person_keys as (
    select * from person_keys
    where person_key in ('P1', 'P4')
),

all_keys as (
    {{ test_one_value_per_group('person_keys', group_by='person_key', value='cluster_token') }}
),

consistent_only as (
    {{ test_one_value_per_group('consistent_person_keys', group_by='person_key', value='cluster_token') }}
),

returned as (
    -- sqlfluff cannot count the generic test's columns
    select  -- noqa: AM07
        'all keys' as called_on,
        *
    from all_keys
    union all
    select
        'consistent keys only' as called_on,
        *
    from consistent_only
),

planted as (
    select planted.*
    from (
        values
        ('all keys', 'P2', 2),
        ('all keys', 'P3', 3)
    ) as planted (called_on, person_key, distinct_values)
)

{{ rows_differing('returned', 'planted') }}
