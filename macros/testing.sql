{#- What a macro test fails with: each row returned that was not expected and
    each row expected that was not returned, counting duplicates (except all
    both ways), labelled by the column mismatch. Both relations have the same
    columns in the same order. -#}
{% macro rows_differing(returned, expected) %}
    select
        'returned, not expected' as mismatch,
        extra.*
    from (
        select * from {{ returned }}
        except all
        select * from {{ expected }}
    ) as extra
    union all
    select
        'expected, not returned' as mismatch,
        missing.*
    from (
        select * from {{ expected }}
        except all
        select * from {{ returned }}
    ) as missing
{% endmacro %}
