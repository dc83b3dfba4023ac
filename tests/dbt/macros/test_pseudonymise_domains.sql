-- pseudonymise: domain separation (the NHS-number token of a string is not its
-- surname token), keys per commission (its output is a 64-hex HMAC) and NULL in,
-- NULL out; pseudonymise_each tokenises each element of a list as pseudonymise
-- would. Exact values against RFC 4231 and Python's hmac are proved in pytest.
{%- set commission = landing_commissions()[0] if landing_commissions() else 'IH-2026-001' %}

with

tokens as (
    select
        {{ pseudonymise("'9434765919'", 'nhs_number', commission) }} as as_nhs_number,
        {{ pseudonymise("'9434765919'", 'surname', commission) }} as as_surname,
        {{ pseudonymise('cast(null as varchar)', 'surname', commission) }} as of_null,
        {{ pseudonymise_each("['SMITH', 'SMTH']", 'surname', commission) }} as each_token,
        [
            {{ pseudonymise("'SMITH'", 'surname', commission) }},
            {{ pseudonymise("'SMTH'", 'surname', commission) }}
        ] as one_by_one,
        {{ pseudonymise_each('cast(null as varchar[])', 'surname', commission) }} as each_of_null
)

select *
from tokens
where
    as_nhs_number = as_surname
    or not regexp_full_match(as_nhs_number, '[0-9a-f]{64}')
    or of_null is not null
    or each_token is distinct from one_by_one
    or each_of_null is not null
