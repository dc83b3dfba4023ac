{{ stage_person_extract('revenues_benefits', 'ctr_claim_members') }}
