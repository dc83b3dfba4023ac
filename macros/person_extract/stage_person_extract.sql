{#- The staging model of every person-level extract is one call of this macro:

        {{ stage_person_extract('housing', 'housing_register') }}

    It reads the source's column roles from its YAML (column meta `role`) and
    returns the canonical pseudonymised shape (see person_extract_columns()):
    provenance (file and row), a keyed token per identifier and matching
    variant, validity flags, non-identifying attributes, duplicate and
    quarantine flags. Cleartext exists only inside this view's CTEs. -#}

{% macro stage_person_extract(source_name, table_name) -%}
    {%- set nicknames = ref('forename_nicknames') -%}
    {%- if not execute -%}
        {#- register the dependencies; the source is only read once its files are checked -#}
        select * from {{ source(source_name, table_name) }}, {{ ref('stg_landing__delivery_checks') }}
    {%- else -%}
        {%- set node = source_node(source_name, table_name) -%}
        {%- set meta = node.config.meta -%}
        {%- set declared = person_extract_declaration(node) -%}
        {%- set by_role = declared.by_role -%}
        {%- set attributes = declared.attributes -%}
        {%- set contacts = declared.contacts -%}
        {%- set commission = meta.commission -%}
        {%- set roles = person_extract_roles() -%}
        {%- set date_formats = meta.date_formats + var('fallback_date_formats') -%}
        {%- set raw = {} -%}
        {%- set formats = {} -%}
        {%- for role in roles -%}
            {%- if role in by_role -%}
                {%- do raw.update({role: '"' ~ by_role[role].name ~ '"'}) -%}
                {%- do formats.update({role: by_role[role].meta.get('formats', date_formats)}) -%}
            {%- else -%}
                {%- do raw.update({role: 'cast(null as varchar)'}) -%}
                {%- do formats.update({role: date_formats}) -%}
            {%- endif -%}
        {%- endfor %}

with

source_rows as (
    {{ landing_rows(source_name, table_name, node) }}
),

nicknames as (
    select
        {{ normalise_name('nickname') }} as nickname,
        min({{ normalise_name('forename') }}) as forename
    from {{ nicknames }}
    group by 1
),

normalised as (
    select
        source_rows.delivery_file,
        source_rows.source_row_number,
        source_rows.delivery_sequence,
        {{ normalise_text(raw.record_ref) }} as record_ref,
        {{ normalise_text(raw.source_person_ref) }} as source_person_ref,
        {{ normalise_text(raw.related_person_ref) }} as related_person_ref,
        {{ normalise_nhs_number(raw.nhs_number) }} as nhs_number,
        {%- if 'full_name' in by_role %}
        {%- if by_role.full_name.meta.get('name_order') == 'surname_first' %}
        {{ normalise_name("split_part(" ~ raw.full_name ~ ", ',', 2)") }} as forenames,
        replace({{ normalise_name("split_part(" ~ raw.full_name ~ ", ',', 1)") }}, ' ', '') as surname,
        {%- else %}
        {{ full_name_forenames(strip_name_titles(normalise_name(raw.full_name))) }} as forenames,
        {{ full_name_surname(strip_name_titles(normalise_name(raw.full_name))) }} as surname,
        {%- endif %}
        {%- else %}
        {{ normalise_name(raw.forename) }} as forenames,
        replace({{ normalise_name(raw.surname) }}, ' ', '') as surname,
        {%- endif %}
        {{ normalise_text(raw.date_of_birth) }} as birth_date_text,
        {{ parse_date(raw.date_of_birth, formats.date_of_birth) }} as birth_date,
        {{ normalise_text(raw.event_date) }} as event_date_text,
        {{ parse_date(raw.event_date, formats.event_date) }} as event_date,
        {{ normalise_text(raw.extracted_at) }} as extracted_at_text,
        {{ parse_timestamp(raw.extracted_at, by_role.extracted_at.meta.get('formats', meta.get('timestamp_formats', []))) }} as extracted_at,
        {{ normalise_sex(raw.sex) }} as stated_sex,
        {%- if 'full_name' in by_role and by_role.full_name.meta.get('name_order') != 'surname_first' %}
        split_part({{ normalise_name(raw.full_name) }}, ' ', 1) as title,
        {%- else %}
        {{ normalise_name(raw.title) }} as title,
        {%- endif %}
        {{ normalise_text(raw.ethnicity) }} as ethnicity_code,
        {{ parse_boolean(raw.disability) }} as is_disabled,
        {{ normalise_postcode(raw.postcode) }} as postcode,
        {{ normalise_uprn(raw.uprn) }} as uprn,
        {{ normalise_address(declared.address_lines | map(attribute='name') | map('tojson') | list) }} as address_text,
        upper({{ normalise_text(raw.gp_practice) }}) as gp_practice_code
        {%- for column in contacts %},
        {%- if column.meta.domain == 'email' %}
        lower({{ normalise_text('"' ~ column.name ~ '"') }}) as contact_{{ loop.index }}
        {%- elif column.meta.domain == 'phone' %}
        nullif(regexp_replace(regexp_replace(cast("{{ column.name }}" as varchar), '[^0-9+]', '', 'g'), '^\+44', '0'), '') as contact_{{ loop.index }}
        {%- else %}
        nullif(upper(regexp_replace(cast("{{ column.name }}" as varchar), '\s', '', 'g')), '') as contact_{{ loop.index }}
        {%- endif %}
        {%- endfor %}
        {%- for column in attributes %},
        {{ typed_attribute('"' ~ column.name ~ '"', column.meta.get('type', 'varchar'), column.meta.get('formats', date_formats)) }} as {{ column.meta.as }}
        {%- endfor %}
    from source_rows
),

identified as (
    select
        normalised.*,
        nullif(split_part(normalised.forenames, ' ', 1), '') as forename,
        {{ is_valid_nhs_number('normalised.nhs_number') }} as is_valid_nhs_number,
        {{ is_valid_postcode('normalised.postcode') }} as is_valid_postcode,
        {{ is_valid_uprn('normalised.uprn') }} as is_valid_uprn,
        coalesce(normalised.stated_sex, {{ sex_from_title('normalised.title') }}) as sex,
        coalesce(normalised.birth_date <= cast(normalised.extracted_at as date), false) as is_valid_birth_date
    from normalised
),

pseudonymised as (
    select
        '{{ commission }}' as commission_id,
        '{{ source_name }}' as service_code,
        '{{ table_name }}' as source_table,
        identified.delivery_file,
        identified.source_row_number,
        identified.extracted_at,
        {{ pseudonymise("'" ~ table_name ~ ":' || identified.record_ref", 'record', commission) }} as record_token,
        {{ pseudonymise("'" ~ source_name ~ ":' || identified.source_person_ref", 'source_person', commission) }} as source_person_token,
        identified.event_date,
        {{ pseudonymise("case when identified.is_valid_nhs_number then identified.nhs_number end", 'nhs_number', commission) }} as nhs_number_token,
        identified.nhs_number is not null as has_nhs_number,
        identified.is_valid_nhs_number,
        {{ pseudonymise('identified.forename', 'forename', commission) }} as forename_token,
        {{ pseudonymise('coalesce(nicknames.forename, identified.forename)', 'forename', commission) }} as forename_canonical_token,
        {{ pseudonymise(soundex('identified.forename'), 'forename_soundex', commission) }} as forename_soundex_token,
        {{ pseudonymise('left(identified.forename, 1)', 'forename_initial', commission) }} as forename_initial_token,
        {{ pseudonymise('identified.surname', 'surname', commission) }} as surname_token,
        {{ pseudonymise(soundex('identified.surname'), 'surname_soundex', commission) }} as surname_soundex_token,
        {{ pseudonymise("identified.forename || ' ' || identified.surname", 'full_name', commission) }} as full_name_token,
        {{ pseudonymise("identified.surname || ' ' || identified.forename", 'full_name', commission) }} as name_swapped_token,
        {{ pseudonymise_each(name_deletion_variants('identified.forename'), 'forename_edit', commission) }} as forename_edit_tokens,
        {{ pseudonymise_each(name_deletion_variants('identified.surname'), 'surname_edit', commission) }} as surname_edit_tokens,
        {#- one domain for both names: a forename given as the other record's surname shows -#}
        {{ pseudonymise('identified.forename', 'name_word', commission) }} as forename_word_token,
        {{ pseudonymise('identified.surname', 'name_word', commission) }} as surname_word_token,
        {{ pseudonymise_each(bigrams('identified.forename'), 'forename_bigram', commission) }} as forename_bigram_tokens,
        {{ pseudonymise_each(bigrams('identified.surname'), 'surname_bigram', commission) }} as surname_bigram_tokens,
        identified.forename is not null and identified.surname is not null as has_name,
        length(identified.forename) = 1 as is_forename_initial,
        {{ pseudonymise("case when identified.is_valid_birth_date then strftime(identified.birth_date, '%Y-%m-%d') end", 'birth_date', commission) }} as birth_date_token,
        {{ pseudonymise("case when identified.is_valid_birth_date then strftime(" ~ swap_day_month('identified.birth_date') ~ ", '%Y-%m-%d') end", 'birth_date', commission) }} as birth_date_swapped_token,
        {#- year, month and day as Y1987, M03, D09 in one domain: two dates share two when one part differs -#}
        {{ pseudonymise_each("case when identified.is_valid_birth_date then [strftime(identified.birth_date, 'Y%Y'), strftime(identified.birth_date, 'M%m'), strftime(identified.birth_date, 'D%d')] end", 'birth_date_part', commission) }} as birth_date_part_tokens,
        case when identified.is_valid_birth_date then year(identified.birth_date) end as birth_year,
        {%- if meta.get('minimum_subject_age') is not none %}
        coalesce(
            case when identified.is_valid_birth_date then year(identified.birth_date) end,
            year(identified.event_date) - {{ meta.minimum_subject_age | int }}
        ) as latest_birth_year,
        {%- else %}
        case when identified.is_valid_birth_date then year(identified.birth_date) end as latest_birth_year,
        {%- endif %}
        identified.birth_date_text is not null as has_birth_date,
        identified.is_valid_birth_date,
        case when identified.is_valid_birth_date and identified.birth_date <= identified.event_date
            then {{ age_band_code(age_in_years('identified.birth_date', 'identified.event_date')) }}
        end as age_band_code,
        identified.sex,
        {{ "'" ~ by_role.ethnicity.meta.code_system ~ "'" if 'ethnicity' in by_role else 'cast(null as varchar)' }} as ethnicity_code_system,
        identified.ethnicity_code,
        identified.is_disabled,
        {{ pseudonymise('case when identified.is_valid_postcode then identified.postcode end', 'postcode', commission) }} as postcode_token,
        {{ pseudonymise('case when identified.is_valid_postcode then ' ~ postcode_sector('identified.postcode') ~ ' end', 'postcode_sector', commission) }} as postcode_sector_token,
        {{ pseudonymise('case when not identified.is_valid_postcode then identified.postcode end', 'postcode', commission) }} as unplaced_postcode_token,
        identified.postcode is not null as has_postcode,
        identified.is_valid_postcode,
        {{ pseudonymise('case when identified.is_valid_uprn then identified.uprn end', 'uprn', commission) }} as uprn_token,
        identified.is_valid_uprn,
        {{ pseudonymise_each(bigrams('identified.address_text'), 'address_bigram', commission) }} as address_bigram_tokens,
        {{ pseudonymise('identified.gp_practice_code', 'gp_practice', commission) }} as gp_practice_token,
        {%- if contacts %}
        nullif(list_filter([
            {%- for column in contacts %}
            {{ pseudonymise('identified.contact_' ~ loop.index, column.meta.domain, commission) }}{{ ',' if not loop.last }}
            {%- endfor %}
        ], lambda token: token is not null), []) as contact_identifier_tokens,
        {%- else %}
        cast(null as varchar []) as contact_identifier_tokens,
        {%- endif %}
        row_number() over (
            partition by identified.delivery_file, identified.record_ref order by identified.source_row_number
        ) > 1 as is_duplicate_row,
        row_number() over (
            partition by identified.record_ref order by identified.delivery_sequence desc, identified.source_row_number
        ) = 1 and identified.record_ref is not null as is_current_version,
        case
            when identified.record_ref is null then 'missing_record_ref'
            when identified.event_date_text is null then 'missing_event_date'
            when identified.event_date is null then 'unparseable_event_date'
            when identified.extracted_at_text is null then 'missing_extracted_at'
            when identified.extracted_at is null then 'unparseable_extracted_at'
            when identified.event_date > cast(identified.extracted_at as date) then 'event_date_after_extract'
            when identified.birth_date > identified.event_date then 'birth_date_after_event'
        end as quarantine_reason,
        case
            when identified.record_ref is null then '{{ by_role.record_ref.name }}'
            when identified.event_date is null then '{{ by_role.event_date.name }}'
            when identified.extracted_at is null then '{{ by_role.extracted_at.name }}'
            when identified.event_date > cast(identified.extracted_at as date) then '{{ by_role.event_date.name }}'
            when identified.birth_date > identified.event_date then '{{ by_role.get("date_of_birth", {"name": ""}).name }}'
        end as quarantine_column
        {%- if 'related_person_ref' in by_role %},
        {{ pseudonymise("'" ~ source_name ~ ":' || identified.related_person_ref", 'source_person', commission) }} as related_person_token
        {%- endif %}
        {%- for column in attributes %},
        identified.{{ column.meta.as }}
        {%- endfor %}
    from identified
    left join nicknames
        on identified.forename = nicknames.nickname
)

select * from pseudonymised
    {%- endif -%}
{%- endmacro %}

