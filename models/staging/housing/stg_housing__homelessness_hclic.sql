{{ stage_person_extract('housing', 'homelessness_hclic') }}
