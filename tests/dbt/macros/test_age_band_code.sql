-- age_band_code: the census five-year bands, the last open-ended; no band for
-- a negative or unknown age; an expression (an age from two years) is banded whole.
with

ages as (
    select ages.*
    from (
        values
        (0, 1), (4, 1), (5, 2), (34, 7), (35, 8), (84, 17), (85, 18), (104, 18), (-1, null), (null, null)
    ) as ages (age_in_years, expected)
)

select
    age_in_years,
    expected
from ages
where
    {{ age_band_code('age_in_years') }} is distinct from expected
    or {{ age_band_code('2026 - (2026 - age_in_years)') }} is distinct from expected
