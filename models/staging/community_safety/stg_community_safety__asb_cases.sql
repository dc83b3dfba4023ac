{{ stage_person_extract('community_safety', 'asb_cases') }}
