-- sdc_secondary_suppression on two small hierarchies worked by hand
-- (threshold 7; priority: LSOA 1, ward 2, borough 3).
--
-- p: B 60 = W1 30 + W2 25 + W3 5;  W1 = L1 3 + L2 27;  W2 = L3 20 + L4 5;
--    W3 = L5 5 + L6 0. Primary: W3, L1, L4, L5. Pass 1: the borough has only
--    W3 withheld, so its cheapest ward W2 goes; W1 has only L1, so L2 goes; W2
--    has only L4, so L3 goes. Pass 2 finds nothing: converged. L6 is 0 and
--    stays published; no withheld cell is alone in any total.
-- q: B 100 = W1 3 + W2 97;  W1 = L1 3 + L2 0;  W2 = L3 60 + L4 37. Primary:
--    W1, L1. Pass 1: the borough has only W1 withheld, so W2 goes. Pass 2: W2
--    is now alone in its total, so its cheaper LSOA L4 goes. A cascade.
-- r: L 12 = S 5 + Z 0, where L's status is fixed (NULL priority: another
--    family decided it). S is withheld (primary) and alone, but the only
--    other non-zero member is L, which is never chosen: r cannot converge,
--    and is_converged says so.
with

cells as (
    select cells.*
    from (
        values
        ('p', 'B', 60, 3), ('p', 'W1', 30, 2), ('p', 'W2', 25, 2), ('p', 'W3', 5, 2),
        ('p', 'L1', 3, 1), ('p', 'L2', 27, 1), ('p', 'L3', 20, 1), ('p', 'L4', 5, 1), ('p', 'L5', 5, 1),
        ('p', 'L6', 0, 1),
        ('q', 'B', 100, 3), ('q', 'W1', 3, 2), ('q', 'W2', 97, 2),
        ('q', 'L1', 3, 1), ('q', 'L2', 0, 1), ('q', 'L3', 60, 1), ('q', 'L4', 37, 1),
        ('r', 'L', 12, null), ('r', 'S', 5, 1), ('r', 'Z', 0, 1)
    ) as cells (partition_id, cell_id, cell_value, secondary_priority)
),

primary_cells as (
    select
        *,
        {{ sdc_is_suppressed('cell_value', 7) }} as is_suppressed
    from cells
),

memberships as (
    select memberships.*
    from (
        values
        ('p', 'borough', 'B'), ('p', 'borough', 'W1'), ('p', 'borough', 'W2'), ('p', 'borough', 'W3'),
        ('p', 'W1', 'W1'), ('p', 'W1', 'L1'), ('p', 'W1', 'L2'),
        ('p', 'W2', 'W2'), ('p', 'W2', 'L3'), ('p', 'W2', 'L4'),
        ('p', 'W3', 'W3'), ('p', 'W3', 'L5'), ('p', 'W3', 'L6'),
        ('q', 'borough', 'B'), ('q', 'borough', 'W1'), ('q', 'borough', 'W2'),
        ('q', 'W1', 'W1'), ('q', 'W1', 'L1'), ('q', 'W1', 'L2'),
        ('q', 'W2', 'W2'), ('q', 'W2', 'L3'), ('q', 'W2', 'L4'),
        ('r', 'L', 'L'), ('r', 'L', 'S'), ('r', 'L', 'Z')
    ) as memberships (partition_id, constraint_id, cell_id)
),

expected as (
    select expected.*
    from (
        values
        ('p', 'B', null), ('p', 'W1', null), ('p', 'W2', 1), ('p', 'W3', 0),
        ('p', 'L1', 0), ('p', 'L2', 1), ('p', 'L3', 1), ('p', 'L4', 0), ('p', 'L5', 0), ('p', 'L6', null),
        ('q', 'B', null), ('q', 'W1', 0), ('q', 'W2', 1),
        ('q', 'L1', 0), ('q', 'L2', null), ('q', 'L3', null), ('q', 'L4', 2),
        ('r', 'L', null), ('r', 'S', 0), ('r', 'Z', null)
    ) as expected (partition_id, cell_id, suppressed_at_pass)
),

{{ sdc_secondary_suppression('primary_cells', 'memberships', 4) }}

select
    expected.partition_id,
    expected.cell_id,
    expected.suppressed_at_pass as expected_pass,
    sdc_suppressed.suppressed_at_pass as actual_pass,
    sdc_suppressed.is_suppressed,
    sdc_suppressed.is_converged
from expected
full join sdc_suppressed
    on
        expected.partition_id = sdc_suppressed.partition_id
        and expected.cell_id = sdc_suppressed.cell_id
where
    expected.cell_id is null
    or sdc_suppressed.cell_id is null
    or expected.suppressed_at_pass is distinct from sdc_suppressed.suppressed_at_pass
    or sdc_suppressed.is_suppressed is distinct from (expected.suppressed_at_pass is not null)
    or sdc_suppressed.is_converged is distinct from (expected.partition_id <> 'r')
