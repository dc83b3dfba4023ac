{{ stage_person_extract('revenues_benefits', 'ctax_liable_parties') }}
