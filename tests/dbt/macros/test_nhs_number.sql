-- normalise_nhs_number and is_valid_nhs_number: the modulus-11 check, the
-- never-issued 999 test range, one repeated digit and malformed input.
with

cases as (
    select cases.*
    from (
        values
        ('943 476 5919', '9434765919', true),
        ('943-476-5919', '9434765919', true),
        ('4010232137', '4010232137', true),
        ('9434765918', '9434765918', false),
        ('9434765910', '9434765910', false),
        ('0000000000', '0000000000', false),
        ('9999999999', '9999999999', false),
        ('9990000018', '9990000018', false),
        ('943476591', '943476591', false),
        ('94347659190', '94347659190', false),
        ('94347A5919', '94347A5919', false),
        ('', null, false),
        (null, null, false)
    ) as cases (raw_value, expected, expected_valid)
),

checked as (
    select
        *,
        {{ normalise_nhs_number('raw_value') }} as nhs_number
    from cases
)

select *
from checked
where
    nhs_number is distinct from expected
    or {{ is_valid_nhs_number('nhs_number') }} is distinct from expected_valid
