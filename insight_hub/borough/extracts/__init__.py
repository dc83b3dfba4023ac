"""One builder per delivered file, in one module per service (named as its
landing folder); `common` holds the helpers several services share.

Each builder picks the people a service knows (weighted by deprivation, age,
household type as the service's reach suggests), dates their events within the
three years before --as-of, copies their identifying fields as they were on
the event day, and hands the records to `deliver`, which faults, splits and
renders them. Beside each builder are its `ExtractSpec` (folder, file format,
faults, extract time) and its `render`, which names the file's columns in
order: the contract in README.md and the staging sources YAML, which
test_borough.py checks against the written files.
"""

from __future__ import annotations

from collections.abc import Callable

from insight_hub.borough.delivery import Context, DeliveryFile, ExtractSpec
from insight_hub.borough.extracts import (
    adult_social_care,
    childrens_social_care,
    community_safety,
    education,
    employment_skills,
    housing,
    nhs_partner,
    revenues_benefits,
)

Builder = Callable[[Context], list[DeliveryFile]]

#: Every source table's spec and builder, in the order files are written.
_EXTRACTS: tuple[tuple[ExtractSpec, Builder], ...] = (
    (housing.HOUSING_REGISTER_SPEC, housing.housing_register),
    (housing.HOMELESSNESS_HCLIC_SPEC, housing.homelessness_hclic),
    (adult_social_care.ASC_SERVICES_SPEC, adult_social_care.asc_services),
    (childrens_social_care.CSC_REFERRALS_SPEC, childrens_social_care.csc_referrals),
    (childrens_social_care.CSC_FAMILY_MEMBERS_SPEC, childrens_social_care.csc_family_members),
    (revenues_benefits.CTAX_LIABLE_PARTIES_SPEC, revenues_benefits.ctax_liable_parties),
    (revenues_benefits.CTR_CLAIM_MEMBERS_SPEC, revenues_benefits.ctr_claim_members),
    (education.SCHOOL_CENSUS_SPEC, education.school_census),
    (community_safety.ASB_CASES_SPEC, community_safety.asb_cases),
    (nhs_partner.NHS_PARTNER_EXTRACT_SPEC, nhs_partner.nhs_partner_extract),
    (employment_skills.PARTICIPANTS_EXPORT_SPEC, employment_skills.participants_export),
)
#: Specs and builders by source table, in the order files are written.
SPECS: dict[str, ExtractSpec] = {spec.source_table: spec for spec, _ in _EXTRACTS}
BUILDERS: dict[str, Builder] = {spec.source_table: build for spec, build in _EXTRACTS}
