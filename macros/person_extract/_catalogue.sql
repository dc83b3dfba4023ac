{#- Written by `python -m insight_hub.person_extract --all` from the catalogue in
    insight_hub/person_extract.py: change it there and regenerate, never edit this
    file (tests/python/test_person_extract.py compares the two). -#}

{% macro person_extract_roles() -%}
    {#- role -> true when a source may map at most one column to it -#}
    {{ return({
        'record_ref': true,
        'source_person_ref': true,
        'nhs_number': true,
        'forename': true,
        'middle_names': true,
        'surname': true,
        'full_name': true,
        'title': true,
        'date_of_birth': true,
        'sex': true,
        'ethnicity': true,
        'disability': true,
        'postcode': true,
        'uprn': true,
        'gp_practice': true,
        'event_date': true,
        'extracted_at': true,
        'related_person_ref': true,
        'address_line': false,
        'contact_identifier': false,
        'attribute': false,
        'excluded': false,
    }) }}
{%- endmacro %}


{% macro person_extract_columns() -%}
    {#- The canonical columns, in order, that every person-extract staging model
        emits before its own attributes; the spine unions exactly these. -#}
    {{ return([
        'commission_id',
        'service_code',
        'source_table',
        'delivery_file',
        'source_row_number',
        'extracted_at',
        'record_token',
        'source_person_token',
        'event_date',
        'nhs_number_token',
        'has_nhs_number',
        'is_valid_nhs_number',
        'forename_token',
        'forename_canonical_token',
        'forename_soundex_token',
        'forename_initial_token',
        'surname_token',
        'surname_soundex_token',
        'full_name_token',
        'name_swapped_token',
        'forename_edit_tokens',
        'surname_edit_tokens',
        'has_name',
        'is_forename_initial',
        'birth_date_token',
        'birth_date_swapped_token',
        'birth_year',
        'latest_birth_year',
        'has_birth_date',
        'is_valid_birth_date',
        'age_band_code',
        'sex',
        'ethnicity_code_system',
        'ethnicity_code',
        'is_disabled',
        'postcode_token',
        'postcode_sector_token',
        'has_postcode',
        'is_valid_postcode',
        'uprn_token',
        'is_valid_uprn',
        'gp_practice_token',
        'is_duplicate_row',
        'is_current_version',
        'quarantine_reason',
        'quarantine_column',
    ]) }}
{%- endmacro %}
