-- The generic test person_extract_is_sound
-- (tests/dbt/generic/person_extract_is_sound.sql) on extract rows worked by
-- hand, tokens made with sha256. Good rows (1 to 5): two current rows, one
-- with a valid NHS number's token; an old version and a quarantined row that
-- share row 1's record token (only current, unquarantined rows must be
-- unique); a quarantined row without one. Each planted row breaks one rule:
-- a current row without a record token (6); two current rows with one token
-- (7 and 8, named by the first); a person token in upper case (9); a record
-- token of 63 characters (10); an NHS token without a valid number (11) and
-- a valid number without a token (12); sex U (13); an unknown quarantine
-- reason (14). The generic test reads the columns of its model
-- (adapter.get_columns_in_relation) to find the token columns, so the rows
-- are a relation that renders as a subquery rather than a CTE of this query.
-- Fails with each failure returned that was not planted and each planted
-- failure not returned, and with any failure on the good rows alone.
{%- set extract_rows -%}
select
    extract_rows.*,
    'planted.csv' as delivery_file
from (
    values
    (1, true, null, sha256('r1'), sha256('p1'), sha256('n1'), true, 'F'),
    (2, true, null, sha256('r2'), sha256('p2'), null, false, null),
    (3, false, null, sha256('r1'), sha256('p1'), sha256('n1'), true, 'M'),
    (4, true, 'missing_event_date', sha256('r1'), sha256('p1'), null, false, 'F'),
    (5, true, 'birth_date_after_event', null, sha256('p5'), null, false, 'F'),
    (6, true, null, null, sha256('p6'), null, false, 'F'),
    (7, true, null, sha256('r7'), sha256('p7'), null, false, 'F'),
    (8, true, null, sha256('r7'), sha256('p8'), null, false, 'F'),
    (9, true, null, sha256('r9'), upper(sha256('p9')), null, false, 'F'),
    (10, true, null, left(sha256('r10'), 63), sha256('p10'), null, false, 'F'),
    (11, true, null, sha256('r11'), sha256('p11'), sha256('n11'), false, 'F'),
    (12, true, null, sha256('r12'), sha256('p12'), null, true, 'F'),
    (13, true, null, sha256('r13'), sha256('p13'), null, false, 'U'),
    (14, false, 'made_up', sha256('r14'), sha256('p14'), null, false, 'F')
) as extract_rows (
    source_row_number, is_current_version, quarantine_reason,
    record_token, source_person_token, nhs_number_token, is_valid_nhs_number, sex
)
{%- endset -%}
{%- set as_subquery = {'database': false, 'schema': false, 'identifier': false} -%}
{%- set all_rows = api.Relation.create(identifier='(' ~ extract_rows ~ ')', quote_policy=as_subquery) -%}
{%- set good_rows = api.Relation.create(
    identifier='(select * from (' ~ extract_rows ~ ') as extract_rows where source_row_number <= 5)',
    quote_policy=as_subquery,
) %}

with

all_rows_failures as (
    {{ test_person_extract_is_sound(all_rows) }}
),

good_rows_failures as (
    {{ test_person_extract_is_sound(good_rows) }}
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
    select
        planted.*,
        'planted.csv' as delivery_file
    from (
        values
        ('all rows', 'current row without record token', 6),
        ('all rows', 'record token not unique among current rows', 7),
        ('all rows', 'source_person_token is not a 64-character hex token', 9),
        ('all rows', 'record_token is not a 64-character hex token', 10),
        ('all rows', 'NHS number token disagrees with its validity flag', 11),
        ('all rows', 'NHS number token disagrees with its validity flag', 12),
        ('all rows', 'sex is not F, M or null', 13),
        ('all rows', 'unknown quarantine reason', 14)
    ) as planted (called_on, failure, source_row_number)
)

{{ rows_differing('returned', 'planted') }}
