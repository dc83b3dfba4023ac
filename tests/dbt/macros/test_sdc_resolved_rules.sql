-- sdc_resolved_rules picks the most specific disclosure rule: commission and
-- recipient named, then commission named, then recipient named, then the
-- default. Fails with each pair given the wrong rule.
with

rules as (
    select rules.*
    from (
        values
        ('R-DEFAULT', '*', '*', 7, 5),
        ('R-COMMISSION', 'C1', '*', 8, 5),
        ('R-RECIPIENT', '*', 'Police', 9, 10),
        ('R-BOTH', 'C1', 'Police', 10, 10)
    ) as rules (rule_id, commission_id, recipient_type, suppress_up_to, rounding_base)
),

pairs as (
    select pairs.*
    from (
        values
        ('C1', 'Police', 'R-BOTH'),
        ('C1', 'Health Agencies', 'R-COMMISSION'),
        ('C2', 'Police', 'R-RECIPIENT'),
        ('C2', 'Health Agencies', 'R-DEFAULT')
    ) as pairs (commission_id, recipient_type, expected_rule_id)
),

resolved as (
    {{ sdc_resolved_rules('pairs', 'rules') }}
)

select
    pairs.*,
    resolved.disclosure_rule_id
from pairs
left join resolved
    on
        pairs.commission_id = resolved.commission_id
        and pairs.recipient_type = resolved.recipient_type
where resolved.disclosure_rule_id is distinct from pairs.expected_rule_id
