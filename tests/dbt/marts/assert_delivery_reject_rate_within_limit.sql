{#- A delivery whose rejected and quarantined rows are more than
    var('max_delivery_reject_rate') of its rows fails the build (below it, they
    are quarantined and the build goes on). Returns the deliveries over the
    limit: file and rate, never row content. -#}

select
    commission_id,
    service_code,
    delivery_file,
    quarantined_row_rate
from {{ ref('delivery_data_quality') }}
where
    delivery_status = 'accepted'
    and quarantined_row_rate > {{ var('max_delivery_reject_rate') }}
