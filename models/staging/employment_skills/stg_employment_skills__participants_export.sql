{{ stage_person_extract('employment_skills', 'participants_export') }}
