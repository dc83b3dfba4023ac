{{ stage_person_extract('education', 'school_census') }}
