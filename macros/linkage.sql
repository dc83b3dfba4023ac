{#- The linkage's residual pass: where a record clustering left alone joins a person. -#}

{% macro place_alone_records(placed, rules) -%}
    {#- `placed` (commission_id, record_token, cluster_token) with each record that cannot anchor a person and is alone in its
        cluster moved into the cluster the first of `rules` places it in: the
        first rule that gives it exactly one candidate person (a cluster with a
        record dated by birth or NHS number). A rule is a dict of name, scope
        (whose people it looks at: 'address', the record's postcode or UPRN;
        'ward', people with no address registered with a GP practice in the
        record's ward; 'moved', people at the postcode the record's household
        moved from) and condition (SQL on `weak`, the alone record, and
        `candidate`, a record of the person). Sex and the year-of-birth bound
        must not contradict; never a person holding, or also chosen by, another
        person identifier of the record's service. Each record's residual_rule
        is the rule that placed it, null for one this pass left where it was. -#}
    {%- set scopes = [] -%}
    {%- for rule in rules if rule.scope not in scopes -%}
        {%- do scopes.append(rule.scope) -%}
    {%- endfor %}
    with

    placed as (
        select
            commission_id,
            record_token,
            cluster_token
        from {{ placed }}
    ),

    records as (
        select
            linkage_records.*,
            token_sets.forename_edit_tokens,
            token_sets.surname_edit_tokens
        from {{ ref('int_linkage__records') }} as linkage_records
        left join {{ ref('int_person_records__token_sets') }} as token_sets
            on
                linkage_records.commission_id = token_sets.commission_id
                and linkage_records.record_token = token_sets.record_token
    ),

    sized as (
        select
            placed.cluster_token,
            records.*,
            count(*) over (partition by placed.cluster_token) as cluster_size,
            bool_or(records.postcode_token is not null or records.uprn_token is not null)
                over (partition by placed.cluster_token)
            as cluster_has_address
        from placed
        inner join records on placed.record_token = records.record_token
    ),

    alone as (
        select * from sized
        where not is_strong and cluster_size = 1
    ),

    people as (
        -- records a person is anchored by: a date of birth or an NHS number
        select * from sized
        where birth_date_token is not null or nhs_number_token is not null
    ),

    {%- if 'address' in scopes %}

    at_address as (
        select
            weak.record_token as weak_record_token,
            candidate.record_token as candidate_record_token,
            'address' as scope
        from alone as weak
        inner join people as candidate
            on weak.commission_id = candidate.commission_id and weak.postcode_token = candidate.postcode_token
        union
        select
            weak.record_token,
            candidate.record_token,
            'address'
        from alone as weak
        inner join people as candidate
            on weak.commission_id = candidate.commission_id and weak.uprn_token = candidate.uprn_token
    ),
    {%- endif %}

    {%- if 'ward' in scopes %}

    registered_in_ward as (
        -- a person with no address, registered with a GP practice in the record's ward
        select
            weak.record_token as weak_record_token,
            candidate.record_token as candidate_record_token,
            'ward' as scope
        from alone as weak
        inner join people as candidate
            on
                weak.commission_id = candidate.commission_id
                and weak.ward_code = candidate.practice_ward_code
                and weak.surname_token = candidate.surname_token
        where not candidate.cluster_has_address
    ),
    {%- endif %}

    {%- if 'moved' in scopes %}

    named_elsewhere as (
        -- people whose names fit (forename within one slip, same surname) at another postcode
        select distinct
            weak.record_token as weak_record_token,
            named.record_token as candidate_record_token,
            named.cluster_token as candidate_cluster_token,
            named.postcode_token as other_postcode
        from (select *, unnest(forename_edit_tokens) as forename_variant from alone) as weak
        inner join (select *, unnest(forename_edit_tokens) as forename_variant from people) as named
            on
                weak.commission_id = named.commission_id
                and weak.surname_token = named.surname_token
                and weak.forename_variant = named.forename_variant
        where named.postcode_token != weak.postcode_token
    ),

    cluster_places as (
        select
            commission_id,
            cluster_token,
            postcode_token as place
        from sized
        where postcode_token is not null
        union
        select
            commission_id,
            cluster_token,
            uprn_token
        from sized
        where uprn_token is not null
    ),

    moved_with_household as (
        -- the household moved from the person's other postcode: another person has records
        -- at both places, or another record at the property has its own person there
        select
            named_elsewhere.weak_record_token,
            named_elsewhere.candidate_record_token,
            'moved' as scope
        from named_elsewhere
        inner join sized as weak on named_elsewhere.weak_record_token = weak.record_token
        where exists (
            select 1
            from cluster_places as here
            inner join cluster_places as there on here.cluster_token = there.cluster_token
            where
                here.commission_id = weak.commission_id
                and here.place in (weak.postcode_token, weak.uprn_token)
                and there.place = named_elsewhere.other_postcode
                and here.cluster_token not in (named_elsewhere.candidate_cluster_token, weak.cluster_token)
        ) or exists (
            select 1
            from named_elsewhere as housemate_named
            inner join sized as housemate on housemate_named.weak_record_token = housemate.record_token
            where
                housemate.commission_id = weak.commission_id
                and housemate.uprn_token = weak.uprn_token
                and housemate.record_token != weak.record_token
                and housemate_named.other_postcode = named_elsewhere.other_postcode
                and housemate_named.candidate_cluster_token != named_elsewhere.candidate_cluster_token
        )
    ),
    {%- endif %}

    candidate_pairs as (
        {%- set scope_ctes = {'address': 'at_address', 'ward': 'registered_in_ward', 'moved': 'moved_with_household'} %}
        {%- for scope in scopes %}
        select * from {{ scope_ctes[scope] }}
        {%- if not loop.last %}
        union
        {%- endif %}
        {%- endfor %}
    ),

    neighbours as (
        -- sex and the year-of-birth bound must not contradict; no other party of the service
        select candidate_pairs.*
        from candidate_pairs
        inner join sized as weak on candidate_pairs.weak_record_token = weak.record_token
        inner join sized as candidate on candidate_pairs.candidate_record_token = candidate.record_token
        where
            candidate.cluster_token != weak.cluster_token
            and (weak.sex is null or candidate.sex is null or weak.sex = candidate.sex)
            and (
                candidate.birth_year is null or weak.latest_birth_year is null
                or candidate.birth_year <= weak.latest_birth_year
            )
            and not exists (
                select 1 from sized as other
                where
                    other.cluster_token = candidate.cluster_token
                    and other.service_code = weak.service_code
                    and other.source_person_token != weak.source_person_token
            )
    ),

    candidates as (
        {%- for rule in rules %}
        select
            weak.record_token,
            candidate.cluster_token,
            {{ loop.index }} as rule_order,
            '{{ rule.name }}' as rule_name
        from neighbours
        inner join sized as weak on neighbours.weak_record_token = weak.record_token
        inner join sized as candidate on neighbours.candidate_record_token = candidate.record_token
        where neighbours.scope = '{{ rule.scope }}' and {{ rule.condition }}
        {%- if not loop.last %}
        union
        {%- endif %}
        {%- endfor %}
    ),

    unique_candidates as (
        select
            record_token,
            rule_order,
            any_value(cluster_token) as cluster_token,
            any_value(rule_name) as rule_name
        from candidates
        group by record_token, rule_order
        having count(distinct cluster_token) = 1
    ),

    chosen as (
        select
            unique_candidates.record_token,
            unique_candidates.cluster_token,
            unique_candidates.rule_name,
            sized.service_code,
            sized.source_person_token
        from unique_candidates
        inner join sized on unique_candidates.record_token = sized.record_token
        qualify row_number() over (partition by unique_candidates.record_token order by unique_candidates.rule_order) = 1
    ),

    joined as (
        -- a person two person identifiers of one service choose takes neither
        select
            record_token,
            cluster_token,
            rule_name
        from chosen
        qualify coalesce(
            min(source_person_token) over (partition by cluster_token, service_code)
            = max(source_person_token) over (partition by cluster_token, service_code),
            true
        )
    )

    select
        placed.commission_id,
        placed.record_token,
        coalesce(joined.cluster_token, placed.cluster_token) as cluster_token,
        joined.rule_name as residual_rule
    from placed
    left join joined on placed.record_token = joined.record_token
{%- endmacro %}
