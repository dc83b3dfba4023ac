-- normalise_postcode, is_valid_postcode, postcode_sector, postcode_district on
-- the shapes the extracts deliver. Returns the cases that come out wrong.
with

cases as (
    select cases.*
    from (
        values
        ('nw44bt', 'NW4 4BT', true, 'NW4 4', 'NW4'),
        ('NW4  4BT', 'NW4 4BT', true, 'NW4 4', 'NW4'),
        (' n3 1aa ', 'N3 1AA', true, 'N3 1', 'N3'),
        ('EN5 1AB', 'EN5 1AB', true, 'EN5 1', 'EN5'),
        ('W1A 1AA', 'W1A 1AA', true, 'W1A 1', 'W1A'),
        ('HA8 7CI', 'HA8 7CI', false, null, null),
        ('NW4', 'NW4', false, null, null),
        ('', null, false, null, null),
        (null, null, false, null, null)
    ) as cases (raw_value, expected, expected_valid, expected_sector, expected_district)
),

normalised as (
    select
        *,
        {{ normalise_postcode('raw_value') }} as postcode
    from cases
)

select *
from normalised
where
    postcode is distinct from expected
    or {{ is_valid_postcode('postcode') }} is distinct from expected_valid
    or (expected_valid and {{ postcode_sector('postcode') }} is distinct from expected_sector)
    or (expected_valid and {{ postcode_district('postcode') }} is distinct from expected_district)
