-- The generic test disclosure_safe (tests/dbt/generic/disclosure_safe.sql) on
-- share rows worked by hand: people_count with its rate per 1,000 and Wilson
-- interval (rate_per_1000_interval_columns on the public resident_count) and
-- households_count, under threshold 7 and rounding base 5 unless a row says
-- otherwise. Good rows: 20 people (20.0, 12.98 to 30.69) and 10 households;
-- both withheld; both 0 (0.0, 0.0 to 3.83); 15 households. Each planted row
-- breaks one rule: 5 households (within the threshold); 22 (not a multiple
-- of 5); a null count with no status; 15 published with the marker; a null
-- count with an unknown status (the test names it an unmarked null); 10
-- households under its own threshold of 10 and 15 under its own base of 10
-- (the row's rule, not one for all rows); a rate of 21.0 for 20 of 1,000; an
-- interval published for a withheld count. The generic test reads the
-- columns of its model (adapter.get_columns_in_relation), so the rows are a
-- relation that renders as a subquery rather than a CTE of this query. Fails
-- with each failure returned that was not planted and each planted failure
-- not returned, and with any failure on the good rows alone.
{%- set shared_rows -%}
select * replace (
    cast(people_rate_per_1000 as double) as people_rate_per_1000,
    cast(people_rate_per_1000_ci_lower as double) as people_rate_per_1000_ci_lower,
    cast(people_rate_per_1000_ci_upper as double) as people_rate_per_1000_ci_upper
)
from (
    values
    ('good', 7, 5, 1000, 20, null, 20.0, 12.98, 30.69, 10, null),
    ('good', 7, 5, 1000, null, '[c]', null, null, null, null, '[c]'),
    ('good', 7, 5, 1000, 0, null, 0.0, 0.0, 3.83, 0, null),
    ('good', 7, 5, 1000, null, '[c]', null, null, null, 15, null),
    ('planted', 7, 5, 1000, null, '[c]', null, null, null, 5, null),
    ('planted', 7, 5, 1000, null, '[c]', null, null, null, 22, null),
    ('planted', 7, 5, 1000, null, '[c]', null, null, null, null, null),
    ('planted', 7, 5, 1000, null, '[c]', null, null, null, 15, '[c]'),
    ('planted', 7, 5, 1000, null, '[c]', null, null, null, null, '[x]'),
    ('planted', 10, 10, 1000, null, '[c]', null, null, null, 10, null),
    ('planted', 7, 10, 1000, null, '[c]', null, null, null, 15, null),
    ('planted', 7, 5, 1000, 20, null, 21.0, 12.98, 30.69, 10, null),
    ('planted', 7, 5, 1000, null, '[c]', null, null, 30.69, 10, null)
) as shared_rows (
    row_kind, suppress_up_to, rounding_base, resident_count,
    people_count, people_count_status,
    people_rate_per_1000, people_rate_per_1000_ci_lower, people_rate_per_1000_ci_upper,
    households_count, households_count_status
)
{%- endset -%}
{%- set as_subquery = {'database': false, 'schema': false, 'identifier': false} -%}
{%- set all_rows = api.Relation.create(identifier='(' ~ shared_rows ~ ')', quote_policy=as_subquery) -%}
{%- set good_rows = api.Relation.create(
    identifier="(select * from (" ~ shared_rows ~ ") as shared_rows where row_kind = 'good')",
    quote_policy=as_subquery,
) -%}
{%- set derived_figures = [
    {'macro': 'rate_per_1000_interval_columns', 'args': ['people', 'people_count', 'resident_count']},
] %}

with

all_rows_failures as (
    {{ test_disclosure_safe(all_rows, derived_figures=derived_figures, public_counts=['resident_count']) }}
),

good_rows_failures as (
    {{ test_disclosure_safe(good_rows, derived_figures=derived_figures, public_counts=['resident_count']) }}
),

returned as (
    -- sqlfluff cannot count the generic test's columns
    select  -- noqa: AM07
        'all rows' as called_on,
        *
    from all_rows_failures
    union all
    select
        'good rows only' as called_on,
        *
    from good_rows_failures
),

planted as (
    select planted.*
    from (
        values
        ('all rows', 'households_count', 'count between 1 and the threshold'),
        ('all rows', 'households_count', 'count not a multiple of the rounding base'),
        ('all rows', 'households_count', 'null count not marked'),
        ('all rows', 'households_count', 'published count with a status'),
        ('all rows', 'households_count', 'null count not marked'),
        ('all rows', 'households_count', 'count between 1 and the threshold'),
        ('all rows', 'households_count', 'count not a multiple of the rounding base'),
        (
            'all rows', 'people_rate_per_1000',
            'differs from what the published counts give: 21.0 published, 20.0 recomputed'
        ),
        (
            'all rows', 'people_rate_per_1000_ci_upper',
            'differs from what the published counts give: 30.69 published, null recomputed'
        )
    ) as planted (called_on, column_name, failure)
)

{{ rows_differing('returned', 'planted') }}
