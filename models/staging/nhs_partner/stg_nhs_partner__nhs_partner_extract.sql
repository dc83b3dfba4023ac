{{ stage_person_extract('nhs_partner', 'nhs_partner_extract') }}
