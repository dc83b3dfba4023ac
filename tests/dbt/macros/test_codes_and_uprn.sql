-- normalise_sex, sex_from_title, parse_boolean, normalise_uprn, is_valid_uprn and
-- typed_attribute on the codings the extracts use.
with

sexes as (
    select sexes.*
    from (
        values
        ('Male', 'M'), ('F', 'F'), ('female', 'F'), ('1', 'M'), ('2', 'F'),
        ('0', null), ('9', null), ('U', null), ('Prefer not to say', null), (null, null)
    ) as sexes (raw_value, expected)
),

booleans as (
    select booleans.*
    from (
        values
        ('Y', true), ('yes', true), ('TRUE', true), ('1', true),
        ('N', false), ('No', false), ('false', false), ('0', false),
        ('Prefer not to say', null), ('', null)
    ) as booleans (raw_value, expected)
),

titles as (
    select titles.*
    from (
        values
        ('MR', 'M'), ('MRS', 'F'), ('MS', 'F'), ('MISS', 'F'), ('DR', null), ('MX', null), (null, null)
    ) as titles (raw_value, expected)
),

uprns as (
    select uprns.*
    from (
        values
        ('990000000001', '990000000001', true),
        (' 000123 ', '123', true),
        ('100023336956.0', '100023336956', true),
        ('1234567890123', '1234567890123', false),
        ('12A', '12A', false),
        ('', null, false)
    ) as uprns (raw_value, expected, expected_valid)
),

failures as (
    select
        'normalise_sex' as macro_name,
        raw_value
    from sexes
    where {{ normalise_sex('raw_value') }} is distinct from expected
    union all
    select
        'sex_from_title' as macro_name,
        raw_value
    from titles
    where {{ sex_from_title('raw_value') }} is distinct from expected
    union all
    select
        'parse_boolean' as macro_name,
        raw_value
    from booleans
    where {{ parse_boolean('raw_value') }} is distinct from expected
    union all
    select
        'normalise_uprn' as macro_name,
        raw_value
    from uprns
    where
        {{ normalise_uprn('raw_value') }} is distinct from expected
        or {{ is_valid_uprn(normalise_uprn('raw_value')) }} is distinct from expected_valid
    union all
    select
        'typed_attribute decimal' as macro_name,
        '1,234.50' as raw_value
    where {{ typed_attribute("'1,234.50'", 'decimal', []) }} is distinct from 1234.50
    union all
    select
        'typed_attribute list' as macro_name,
        'Police|Housing provider' as raw_value
    where
        {{ typed_attribute("'Police| Housing provider'", 'list', []) }}
        is distinct from ['Police', 'Housing provider']
)

select * from failures
