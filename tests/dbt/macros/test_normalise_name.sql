-- normalise_name, strip_name_titles, the full-name split and soundex on
-- accents, apostrophes, double-barrelled names, titles, surnames alone or
-- with particles, one-letter-deletion variants and the classic Soundex examples.
with

single_names as (
    select single_names.*
    from (
        values
        ('Zoë', 'ZOE'),
        ('O''Brien', 'OBRIEN'),
        ('d’Souza', 'DSOUZA'),
        ('Smith-Jones', 'SMITHJONES'),
        ('  mary   ann ', 'MARY ANN'),
        ('Chloé', 'CHLOE'),
        ('J.', 'J'),
        ('---', null),
        (null, null)
    ) as single_names (raw_value, expected)
),

titles as (
    select titles.*
    from (
        values
        ('MR JOHN A SMITH', 'JOHN A SMITH'),
        ('MRS DR JANE DOE', 'JANE DOE'),
        ('MISTER JONES', 'MISTER JONES'),
        ('MR', null)
    ) as titles (raw_value, expected)
),

full_names as (
    select full_names.*
    from (
        values
        ('JOHN A SMITH', 'JOHN A', 'SMITH'),
        ('SMITH', null, 'SMITH'),
        ('LINH DE SILVA', 'LINH', 'DESILVA'),
        ('L VAN DER BERG', 'L', 'VANDERBERG'),
        ('DE SILVA', null, 'DESILVA'),
        ('ANDE SILVA', 'ANDE', 'SILVA'),
        ('OMAR AL HASSAN', 'OMAR', 'ALHASSAN'),
        (null, null, null)
    ) as full_names (raw_value, expected_forenames, expected_surname)
),

deletion_variants as (
    select deletion_variants.*
    from (
        values
        ('SMITH', ['SMITH', 'MITH', 'SITH', 'SMTH', 'SMIH', 'SMIT']),
        ('ANNA', ['ANNA', 'NNA', 'ANA', 'ANN']),
        ('JON', ['JON', 'ON', 'JN', 'JO']),
        ('AL', ['AL']),
        (null, null)
    ) as deletion_variants (raw_value, expected)
),

soundex_codes as (
    select soundex_codes.*
    from (
        values
        ('ROBERT', 'R163'),
        ('RUPERT', 'R163'),
        ('RUBIN', 'R150'),
        ('ASHCRAFT', 'A261'),
        ('TYMCZAK', 'T522'),
        ('PFISTER', 'P236'),
        ('LEE', 'L000'),
        ('', null),
        (null, null)
    ) as soundex_codes (raw_value, expected)
),

failures as (
    select
        'normalise_name' as macro_name,
        raw_value,
        expected,
        {{ normalise_name('raw_value') }} as actual
    from single_names
    union all
    select
        'strip_name_titles' as macro_name,
        raw_value,
        expected,
        {{ strip_name_titles('raw_value') }} as actual
    from titles
    union all
    select
        'full_name_forenames' as macro_name,
        raw_value,
        expected_forenames as expected,
        {{ full_name_forenames('raw_value') }} as actual
    from full_names
    union all
    select
        'full_name_surname' as macro_name,
        raw_value,
        expected_surname as expected,
        {{ full_name_surname('raw_value') }} as actual
    from full_names
    union all
    select
        'name_deletion_variants' as macro_name,
        raw_value,
        array_to_string(list_sort(expected), ',') as expected,
        array_to_string(list_sort({{ name_deletion_variants('raw_value') }}), ',') as actual
    from deletion_variants
    union all
    select
        'soundex' as macro_name,
        raw_value,
        expected,
        {{ soundex('raw_value') }} as actual
    from soundex_codes
)

select * from failures
where actual is distinct from expected
