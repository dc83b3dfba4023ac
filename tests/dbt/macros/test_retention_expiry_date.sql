-- retention_expiry_date: the schedule period, capped three years after the
-- commission closes, extended by an exception only while its review is due.
with

cases as (
    select cases.*
    from (
        values
        -- schedule ends first (6 years from delivery on 2019-01-10 < close 2026-03-31 + 3 years)
        (
            'schedule first', date '2019-01-10', 6, 'delivery_date', date '2026-03-31',
            null, null, date '2025-01-01', date '2025-01-10'
        ),
        -- the Hub's three-year limit ends first
        (
            'hub limit first', date '2024-01-10', 6, 'delivery_date', date '2025-03-31',
            null, null, date '2025-01-01', date '2028-03-31'
        ),
        -- no schedule period: the Hub limit applies
        (
            'commission close trigger', date '2024-01-10', 3, 'commission_close', date '2025-03-31',
            null, null, date '2025-01-01', date '2028-03-31'
        ),
        -- an exception under review extends
        (
            'exception in date', date '2019-01-10', 6, 'delivery_date', date '2026-03-31',
            date '2030-01-01', date '2026-06-30', date '2026-01-01', date '2030-01-01'
        ),
        -- an exception past its review date no longer extends
        (
            'exception lapsed', date '2019-01-10', 6, 'delivery_date', date '2026-03-31',
            date '2030-01-01', date '2026-06-30', date '2026-07-01', date '2025-01-10'
        ),
        -- an exception never shortens
        (
            'exception earlier', date '2024-01-10', 6, 'delivery_date', date '2025-03-31',
            date '2026-01-01', date '2026-06-30', date '2026-01-01', date '2028-03-31'
        )
    ) as cases (
        case_name, delivery_date, retention_years, retention_trigger, close_date,
        exception_until, exception_review_date, as_of, expected
    )
)

select *
from cases
where
    {{ retention_expiry_date(
        'delivery_date', 'retention_years', 'retention_trigger', 'close_date',
        'exception_until', 'exception_review_date', 'as_of'
    ) }}
    is distinct from expected
