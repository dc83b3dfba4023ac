{{ stage_person_extract('adult_social_care', 'asc_services') }}
