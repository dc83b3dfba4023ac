{{ stage_person_extract('housing', 'housing_register') }}
