{#- How identifiable the people of each person-level model marts read are
    from the attributes it holds in clear (its quasi-identifiers), for the
    Hub's analysts: per commission, model and quasi-identifier set, how many
    persons (linked person keys, not records) fall in equivalence classes of
    1, 2 to 4, 5 to 9 and 10 or more persons, the share unique and the
    smallest class (k). An equivalence class is one combination of the set's
    values (an unknown value is a value of its own); a person with several
    rows (records, services) counts once, in the smallest class any of their
    rows is in, as one unique row is enough to single them out. The ward is
    left out of every set: it follows from the LSOA. -#}

{%- set quasi_identifier_sets = [
    ('int_person_records__keyed', 'keyed', [
        'lsoa21_code', 'age_band_code', 'birth_year_age_band_code', 'sex', 'ethnic_group', 'census_ethnic_group_code',
    ]),
    ('int_person_records__keyed', 'keyed', [
        'lsoa21_code', 'age_band_code', 'birth_year_age_band_code', 'sex', 'ethnic_group', 'census_ethnic_group_code',
        'event_month',
    ]),
    ('int_service_users__located', 'service_users', [
        'lsoa21_code', 'age_band_code', 'sex', 'ethnic_group', 'census_ethnic_group_code',
    ]),
    ('int_service_users__located', 'service_users', [
        'lsoa21_code', 'age_band_code', 'sex', 'ethnic_group', 'census_ethnic_group_code', 'first_contact_month',
    ]),
] %}

with

keyed as (
    select * from {{ ref('int_person_records__keyed') }}
),

service_users as (
    select * from {{ ref('int_service_users__located') }}
),

person_quasi_identifiers as (
    {%- for model_name, relation, columns in quasi_identifier_sets %}
    select distinct
        commission_id,
        '{{ model_name }}' as model_name,
        '{{ columns | join(", ") }}'
            as quasi_identifier_set,
        person_key,
        [
            {%- for column in columns %}
            cast({{ column }} as varchar){% if not loop.last %},{% endif %}
            {%- endfor %}
        ] as quasi_identifiers
    from {{ relation }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

classes as (
    select
        commission_id,
        model_name,
        quasi_identifier_set,
        person_key,
        count(*) over (
            partition by commission_id, model_name, quasi_identifier_set, quasi_identifiers
        ) as class_size
    from person_quasi_identifiers
),

persons as (
    select
        commission_id,
        model_name,
        quasi_identifier_set,
        person_key,
        min(class_size) as class_size
    from classes
    group by commission_id, model_name, quasi_identifier_set, person_key
),

summarised as (
    select
        commission_id,
        model_name,
        quasi_identifier_set,
        count(*) as person_count,
        count(*) filter (where class_size = 1) as persons_in_class_of_1_count,
        count(*) filter (where class_size between 2 and 4) as persons_in_classes_of_2_to_4_count,
        count(*) filter (where class_size between 5 and 9) as persons_in_classes_of_5_to_9_count,
        count(*) filter (where class_size >= 10) as persons_in_classes_of_10_plus_count,
        min(class_size) as smallest_class_size
    from persons
    group by commission_id, model_name, quasi_identifier_set
),

rated as (
    select
        *,
        round(cast(persons_in_class_of_1_count as double) / person_count, 4) as unique_person_share
    from summarised
)

select * from rated
