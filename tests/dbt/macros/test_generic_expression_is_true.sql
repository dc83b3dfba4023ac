-- The generic test expression_is_true (tests/dbt/generic/expression_is_true.sql)
-- on spells worked by hand, with the expression start_date <= end_date: it
-- returns the whole row of a spell ending before it starts and of one whose
-- expression is null (an unknown end is not true), and nothing for spells
-- that keep it, nor on those alone. Fails with each row returned that was
-- not planted and each planted row not returned.
with

spells as (
    select spells.*
    from (
        values
        ('S1', date '2026-01-01', date '2026-02-01'),
        ('S2', date '2026-03-01', date '2026-03-01'),
        ('S3', date '2026-05-01', date '2026-04-30'),
        ('S4', date '2026-06-01', null)
    ) as spells (spell_id, start_date, end_date)
),

ordered_spells as (
    select * from spells
    where start_date <= end_date
),

all_spells as (
    {{ test_expression_is_true('spells', 'start_date <= end_date') }}
),

ordered_only as (
    {{ test_expression_is_true('ordered_spells', 'start_date <= end_date') }}
),

returned as (
    -- sqlfluff cannot count the generic test's columns
    select  -- noqa: AM07
        'all spells' as called_on,
        *
    from all_spells
    union all
    select
        'ordered spells only' as called_on,
        *
    from ordered_only
),

planted as (
    select planted.*
    from (
        values
        ('all spells', 'S3', date '2026-05-01', date '2026-04-30'),
        ('all spells', 'S4', date '2026-06-01', null)
    ) as planted (called_on, spell_id, start_date, end_date)
)

{{ rows_differing('returned', 'planted') }}
