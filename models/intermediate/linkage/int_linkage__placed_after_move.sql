{#- The second residual pass, over the people the first completed: a record
    still alone joins a person whose names fit (forename within one slip, same
    surname) with a record at another postcode when its household evidently
    moved from there: another person has records at both places, or another
    record at the same property fits another person at that postcode (GP
    records keep the address a person registered at). -#}

{%- set rules = [
    {'scope': 'moved', 'name': 'forename within one slip, same surname, moved with the household',
     'condition': "candidate.surname_token = weak.surname_token and list_has_any(candidate.forename_edit_tokens, weak.forename_edit_tokens)"},
] %}

{{ place_alone_records(ref('int_linkage__placed_at_address'), rules) }}
