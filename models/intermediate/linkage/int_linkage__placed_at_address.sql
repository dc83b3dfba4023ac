{#- The residual pass over the clusters: a record that cannot anchor a person
    (no date of birth and no NHS number, or a name missing; council tax liable
    parties above all) and that clustering left alone joins the one person its
    names fit at its address, or, for a person with no address, registered with
    a GP practice in its ward. What these rules say that no comparison level
    can is "the only person who fits": Splink scores a pair, not how many
    candidates a record has. Two names are "one slip apart" (a letter wrong,
    added or left out, or two adjacent letters exchanged) when they share a
    one-letter-deletion variant's token. Only records without a date of birth
    resolve on a surname alone. -#}

{%- set at_property = "candidate.uprn_token = weak.uprn_token" %}
{%- set rules = [
    {'scope': 'address', 'name': 'no forename, same surname',
     'condition': "weak.forename_token is null and weak.birth_date_token is null and candidate.surname_token = weak.surname_token"},
    {'scope': 'address', 'name': 'same forename, surname one slip apart',
     'condition': "candidate.forename_canonical_token = weak.forename_canonical_token and list_has_any(candidate.surname_edit_tokens, weak.surname_edit_tokens)"},
    {'scope': 'address', 'name': 'forename one slip apart, same surname',
     'condition': "candidate.surname_token = weak.surname_token and list_has_any(candidate.forename_edit_tokens, weak.forename_edit_tokens)"},
    {'scope': 'address', 'name': 'forename and surname exchanged',
     'condition': "candidate.full_name_token = weak.name_swapped_token"},
    {'scope': 'address', 'name': 'another initial for forename, same surname',
     'condition': "weak.is_forename_initial and weak.birth_date_token is null and candidate.surname_token = weak.surname_token"},
    {'scope': 'address', 'name': 'person with no forename, same surname',
     'condition': "weak.birth_date_token is null and candidate.forename_token is null and candidate.surname_token = weak.surname_token"},
    {'scope': 'address', 'name': 'initial for forename, surname one slip apart',
     'condition': "(weak.is_forename_initial or candidate.is_forename_initial) and candidate.forename_initial_token = weak.forename_initial_token and list_has_any(candidate.surname_edit_tokens, weak.surname_edit_tokens)"},
    {'scope': 'address', 'name': 'same forename, other surname at the property',
     'condition': at_property ~ " and weak.birth_date_token is null and candidate.forename_canonical_token = weak.forename_canonical_token"},
    {'scope': 'ward', 'name': 'forename within one slip, same surname, GP practice in the ward',
     'condition': "candidate.surname_token = weak.surname_token and list_has_any(candidate.forename_edit_tokens, weak.forename_edit_tokens)"},
] %}

{{ place_alone_records(ref('int_linkage__clusters_separated'), rules) }}
