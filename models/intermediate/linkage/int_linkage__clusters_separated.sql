{#- Clusters with the cannot-link rule applied: two records of one service
    with different person identifiers of that service (social care person ids,
    council tax liable parties) are two people. Where a connected group holds
    several of a service's person identifiers, the one with a record that can
    anchor a person, else the one with the strongest link, keeps its place; the
    weak records of the others leave and are alone. -#}

with

records as (
    select * from {{ ref('int_linkage__records') }}
),

connected_records as (
    select * from {{ ref('int_linkage__connected_records') }}
),

edges as (
    select * from {{ ref('int_linkage__edges') }}
),

edge_ends as (
    select
        record_token_l as record_token,
        match_probability
    from edges
    union all
    select
        record_token_r,
        match_probability
    from edges
),

members as (
    select
        connected_records.component_token,
        records.commission_id,
        records.record_token,
        records.is_strong,
        records.service_code,
        records.source_person_token,
        coalesce(max(edge_ends.match_probability), 0) as link_probability
    from connected_records
    inner join records on connected_records.record_token = records.record_token
    left join edge_ends on connected_records.record_token = edge_ends.record_token
    group by all
),

kept_people as (
    select
        component_token,
        service_code,
        source_person_token
    from members
    where source_person_token is not null
    group by component_token, service_code, source_person_token
    qualify row_number() over (
        partition by component_token, service_code
        order by bool_or(is_strong) desc, max(link_probability) desc, source_person_token asc
    ) = 1
),

placed as (
    select
        members.commission_id,
        members.record_token,
        members.component_token,
        not members.is_strong
        and members.source_person_token is not null
        and kept_people.component_token is null as leaves
    from members
    left join kept_people
        on
            members.component_token = kept_people.component_token
            and members.service_code = kept_people.service_code
            and members.source_person_token = kept_people.source_person_token
),

separated as (
    -- a cluster is named by the smallest record token of the records that stay
    -- in it; a record that leaves is a cluster of its own
    select
        commission_id,
        record_token,
        case
            when leaves then record_token
            else min(record_token) filter (where not leaves) over (partition by component_token)
        end as cluster_token
    from placed
)

select * from separated
