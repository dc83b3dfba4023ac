{#- The token sets the linkage measures similarity with, for every current,
    unquarantined record of every person-level extract: keyed bigrams of the
    forename, surname and address lines, each name's one-letter-deletion
    variants, and the year, month and day of birth. A view: the sets are
    computed from staging when the linkage reads them and never stored, so the
    warehouse file holds none for a frequency attack to work on (a set of
    bigram tokens per record is what such an attack reads names back from). -#}

{{ config(materialized='view') }}

with

token_sets as (
    {% for model in var('person_extracts') %}
    select
        commission_id,
        record_token,
        forename_word_token,
        surname_word_token,
        forename_bigram_tokens,
        surname_bigram_tokens,
        forename_edit_tokens,
        surname_edit_tokens,
        birth_date_part_tokens,
        address_bigram_tokens
    from {{ ref(model) }}
    where is_current_version and quarantine_reason is null
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select * from token_sets
