{{ stage_person_extract('childrens_social_care', 'csc_referrals') }}
