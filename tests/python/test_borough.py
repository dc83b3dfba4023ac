"""The synthetic borough: what a user of the generated data relies on.

A few small boroughs are generated once per module (scale 0.02 and smaller):
the main one with default faults, the same run again, the same borough with
every fault off (to compare faulted rows with their clean originals), the
same borough with the `unseen` fault profile, and runs with fewer services,
another seed and another scale.
"""

from __future__ import annotations

import dataclasses
import filecmp
import hashlib
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

from insight_hub.borough import FAULT_DEFAULTS, BoroughConfig, BoroughSummary, ConfigError, generate_borough
from insight_hub.borough.__main__ import main
from insight_hub.borough.config import FAULT_NAMES, FAULT_PROFILES, UNSEEN_FAULT_NAMES, UNSEEN_FAULTS
from insight_hub.borough.faults import OCR_NAME, OCR_POSTCODE
from insight_hub.borough.transliterations import TRANSLITERATIONS

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCALE = 0.02
SEED = 20261101
COMMISSION = "IH-2026-001"

WARD_NAMES = {
    "Barnet Vale",
    "Brunswick Park",
    "Burnt Oak",
    "Childs Hill",
    "Colindale North",
    "Colindale South",
    "Cricklewood",
    "East Barnet",
    "East Finchley",
    "Edgware",
    "Edgwarebury",
    "Finchley Church End",
    "Friern Barnet",
    "Garden Suburb",
    "Golders Green",
    "Hendon",
    "High Barnet",
    "Mill Hill",
    "Totteridge and Woodside",
    "Underhill",
    "West Finchley",
    "West Hendon",
    "Whetstone",
    "Woodhouse",
}
POSTCODE = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][ABD-HJLNP-UW-Z]{2}")

# The contract (README.md): every extract's columns, in order, written out independently of the generator.
EXPECTED_COLUMNS = {
    "housing_register": "Application Ref|Title|Forename|Surname|Date of Birth|Gender|Ethnic Origin|Disabled|Address Line 1|Address Line 2|Town|Postcode|UPRN|Band|Bedroom Need|Household Members|Application Date|Application Status|Extract Date",
    "homelessness_hclic": "case_ref|first_name|last_name|date_of_birth|sex|ethnicity|postcode|uprn|approach_date|reason_for_loss_of_home|duty_type|household_type|support_needs|extract_timestamp",
    "asc_services": "SERVICE_ID|PERSON_ID|FORENAME|SURNAME|DATE_OF_BIRTH|GENDER|ETHNICITY|NHS_NUMBER|ADDRESS|POSTCODE|UPRN|PRIMARY_SUPPORT_REASON|SERVICE_TYPE|REFERRAL_DATE|SERVICE_START_DATE|SERVICE_END_DATE|HAS_DISABILITY|EXTRACT_DATETIME",
    "csc_referrals": "REFERRAL_ID|CHILD_ID|FIRST_NAME|LAST_NAME|DOB|GENDER|ETHNICITY|POSTCODE|REFERRAL_DATE|REFERRAL_SOURCE|PRIMARY_NEED|CP_PLAN|LOOKED_AFTER|DISABILITY|EXTRACT_DT",
    "csc_family_members": "RELATIONSHIP_ID|CHILD_ID|MEMBER_PERSON_ID|MEMBER_FIRST_NAME|MEMBER_LAST_NAME|MEMBER_DOB|MEMBER_GENDER|RELATIONSHIP|LIVES_WITH_CHILD|POSTCODE|RECORDED_DATE|EXTRACT_DT",
    "ctax_liable_parties": "PARTY REF|ACCOUNT REF|PARTY NO|LIABLE NAME|ADDR1|ADDR2|ADDR3|POSTCODE|PROPERTY REF|BAND|LIABILITY START|DISCOUNT|ARREARS BALANCE|CTR AWARD|PAYMENT METHOD|EXTRACT DATE",
    "ctr_claim_members": "PERSON REF|CLAIM REF|PERSON TYPE|TITLE|FORENAME|SURNAME|DOB|NINO|ADDRESS|POSTCODE|UPRN|CLAIM START|WEEKLY CTR|PASSPORTED BENEFIT|DEPENDANTS|EXTRACT DATE",
    "school_census": "UPN|Surname|Forename|MiddleNames|PreferredSurname|Gender|DOB|Ethnicity|SENprovision|FSMeligible|EnrolStatus|NCyearActual|SchoolURN|SchoolName|AddressLine1|Postcode|CensusDate",
    "asb_cases": "Case Number|Subject Name|Subject DOB|Subject Gender|Subject Ethnicity|Subject Address|Subject Postcode|Incident Date|Case Type|Outcome|Agencies Involved|CCTV Evidence|Case Opened|Export Date",
    "nhs_partner_extract": "RECORD_ID|NHS_NUMBER|PERSON_GIVEN_NAME|PERSON_FAMILY_NAME|PERSON_BIRTH_DATE|PERSON_STATED_GENDER_CODE|ETHNIC_CATEGORY|POSTCODE|GP_PRACTICE_CODE|REGISTRATION_DATE|LTC_COUNT|HAS_DIABETES|HAS_COPD|HAS_SMI|HAS_DEMENTIA|FRAILTY_CATEGORY|AE_ATTENDANCES_12M|EMERGENCY_ADMISSIONS_12M|EXTRACT_DATE",
    "participants_export": "Participant ID|First Name|Last Name|Date of Birth|Gender|Ethnicity|Disability|Email|Mobile|Address|Postcode|Programme|Start Date|Employment Status at Start|Job Outcome|Job Outcome Date|Exported On",
}
# source table -> (service folder, record key, forename, surname, date of birth, date of birth format, postcode, ethnicity system)
LAYOUT = {
    "housing_register": (
        "housing",
        "Application Ref",
        "Forename",
        "Surname",
        "Date of Birth",
        "%d/%m/%Y",
        "Postcode",
        "la_text",
    ),
    "homelessness_hclic": (
        "housing",
        "case_ref",
        "first_name",
        "last_name",
        "date_of_birth",
        "%Y-%m-%d",
        "postcode",
        "census_2021",
    ),
    "asc_services": (
        "adult_social_care",
        "SERVICE_ID",
        "FORENAME",
        "SURNAME",
        "DATE_OF_BIRTH",
        None,
        "POSTCODE",
        "nhs_ethnic_category",
    ),
    "csc_referrals": (
        "childrens_social_care",
        "REFERRAL_ID",
        "FIRST_NAME",
        "LAST_NAME",
        "DOB",
        "%d-%b-%Y",
        "POSTCODE",
        "dfe",
    ),
    "csc_family_members": (
        "childrens_social_care",
        "RELATIONSHIP_ID",
        "MEMBER_FIRST_NAME",
        "MEMBER_LAST_NAME",
        "MEMBER_DOB",
        "%d-%b-%Y",
        "POSTCODE",
        None,
    ),
    "ctax_liable_parties": ("revenues_benefits", "PARTY REF", None, None, None, None, "POSTCODE", None),
    "ctr_claim_members": (
        "revenues_benefits",
        "PERSON REF",
        "FORENAME",
        "SURNAME",
        "DOB",
        "%d/%m/%Y",
        "POSTCODE",
        None,
    ),
    "school_census": ("education", "UPN", "Forename", "Surname", "DOB", "%Y-%m-%d", "Postcode", "dfe"),
    "asb_cases": (
        "community_safety",
        "Case Number",
        None,
        None,
        "Subject DOB",
        "%d/%m/%Y",
        "Subject Postcode",
        "police_ic",
    ),
    "nhs_partner_extract": (
        "nhs_partner",
        "RECORD_ID",
        "PERSON_GIVEN_NAME",
        "PERSON_FAMILY_NAME",
        "PERSON_BIRTH_DATE",
        "%Y%m%d",
        "POSTCODE",
        "nhs_ethnic_category",
    ),
    "participants_export": (
        "employment_skills",
        "Participant ID",
        "First Name",
        "Last Name",
        "Date of Birth",
        "%d/%m/%Y",
        "Postcode",
        "la_text",
    ),
}
ETHNICITY_COLUMN = {
    "housing_register": "Ethnic Origin",
    "homelessness_hclic": "ethnicity",
    "asc_services": "ETHNICITY",
    "csc_referrals": "ETHNICITY",
    "school_census": "Ethnicity",
    "asb_cases": "Subject Ethnicity",
    "nhs_partner_extract": "ETHNIC_CATEGORY",
    "participants_export": "Ethnicity",
}


@dataclass(frozen=True)
class Run:
    """A generated borough and what it left on disk."""

    config: BoroughConfig
    summary: BoroughSummary

    @property
    def landing(self) -> Path:
        return self.config.landing

    @property
    def records(self) -> pd.DataFrame:
        return pq.read_table(self.config.truth / "records.parquet").to_pandas()

    @property
    def persons(self) -> pd.DataFrame:
        return pq.read_table(self.config.truth / "persons.parquet").to_pandas()

    def reference(self, name: str) -> pd.DataFrame:
        return pd.read_csv(self.landing / "reference" / name, dtype=str, keep_default_na=False)

    def extract(self, delivery_file: str) -> pd.DataFrame:
        """A delivered file as text (typed Parquet values turned into text, nulls '')."""
        table = next(t for t in LAYOUT if delivery_file.startswith(t))
        path = self.landing / COMMISSION / LAYOUT[table][0] / delivery_file
        if path.suffix == ".parquet":
            frame = pq.read_table(path).to_pandas()
            return frame.astype(object).where(frame.notna(), "").astype(str)
        if path.suffix == ".xlsx":
            return pd.read_excel(path, sheet_name="Participants", dtype=str, keep_default_na=False)
        sep = {"txt": "|"}.get(path.suffix[1:], ";" if table == "asb_cases" else ",")
        return pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False)

    def extracts(self, table: str) -> pd.DataFrame:
        """Every delivery of a source table, in delivery order, with its truth alongside."""
        truth = self.records[self.records["source_table"] == table]
        frames = [self.extract(name).assign(delivery_file=name) for name in sorted(truth["delivery_file"].unique())]
        data = pd.concat(frames, ignore_index=True)
        truth = truth.sort_values(["delivery_file", "row_number"]).reset_index(drop=True)
        return pd.concat([data, truth.drop(columns=["delivery_file"])], axis=1)


def _generate(root: Path, **changes: Any) -> Run:
    base = BoroughConfig(
        scale=SCALE,
        seed=SEED,
        landing=root / "landing",
        truth=root / "ground_truth",
        boundaries=root / "boundaries",
        commission=COMMISSION,
    )
    config = dataclasses.replace(base, **changes)
    return Run(config, generate_borough(config))


@pytest.fixture(scope="module")
def borough(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return _generate(tmp_path_factory.mktemp("borough"))


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The same borough with every fault rate 0."""
    return _generate(tmp_path_factory.mktemp("clean"), faults={name: 0.0 for name in FAULT_DEFAULTS})


@pytest.fixture(scope="module")
def unseen(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The same borough with the unseen fault profile."""
    return _generate(tmp_path_factory.mktemp("unseen"), fault_profile="unseen")


def _files(root: Path) -> list[Path]:
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file())


def _nhs_valid(numbers: pd.Series) -> pd.Series:
    digits = numbers.str.replace(" ", "", regex=False)
    shaped = digits.str.fullmatch(r"\d{10}")
    d = np.array([list(map(int, v)) for v in digits.where(shaped, "0000000000")])
    check = (11 - (d[:, :9] * np.arange(10, 1, -1)).sum(axis=1) % 11) % 11
    return shaped & (check == d[:, 9]) & ~digits.str.startswith("999") & (digits.str.len() > 0)


# --- determinism -------------------------------------------------------------------------------


def test_same_arguments_give_identical_bytes(borough: Run, tmp_path: Path) -> None:
    again = _generate(tmp_path)
    for folder in ("landing", "ground_truth", "boundaries"):
        first, second = borough.landing.parent / folder, tmp_path / folder
        assert _files(first) == _files(second)
        match, mismatch, errors = filecmp.cmpfiles(first, second, [str(p) for p in _files(first)], shallow=False)
        assert not mismatch and not errors, mismatch + errors
    assert again.summary.extract_rows == borough.summary.extract_rows


def test_another_seed_gives_another_borough(borough: Run, tmp_path: Path) -> None:
    other = _generate(tmp_path, seed=SEED + 1, services=("housing",))
    assert (other.config.truth / "persons.parquet").read_bytes() != (
        borough.config.truth / "persons.parquet"
    ).read_bytes()
    for path in (other.landing / COMMISSION / "housing").iterdir():
        assert path.read_bytes() != (borough.landing / COMMISSION / "housing" / path.name).read_bytes()
    # the LSOAs sit elsewhere, so their boundaries differ (the wards' centroids are fixed)
    for name, differ in (("lsoas.geojson", True), ("wards.geojson", False)):
        other_file, file = (run.landing.parent / "boundaries" / name for run in (other, borough))
        assert (other_file.read_bytes() != file.read_bytes()) == differ, name


def test_fewer_services_leave_the_population_and_other_extracts_unchanged(borough: Run, tmp_path: Path) -> None:
    subset = _generate(tmp_path, services=("housing", "nhs_partner"))
    assert (subset.config.truth / "persons.parquet").read_bytes() == (
        borough.config.truth / "persons.parquet"
    ).read_bytes()
    assert sorted(p.name for p in (subset.landing / COMMISSION).iterdir()) == ["housing", "nhs_partner"]
    for service in ("housing", "nhs_partner"):
        for path in (subset.landing / COMMISSION / service).iterdir():
            assert path.read_bytes() == (borough.landing / COMMISSION / service / path.name).read_bytes()


# --- geography and population ------------------------------------------------------------------------


def test_population_is_proportional_to_scale(borough: Run) -> None:
    persons = borough.persons
    residents = persons[persons["is_resident"]]
    assert abs(len(residents) - 389_000 * SCALE) <= 389_000 * SCALE * 0.01
    assert abs(residents["household_id"].nunique() - 149_000 * SCALE) <= 149_000 * SCALE * 0.01
    assert borough.summary.residents == len(residents)
    age = 2026 - residents["birth_year"]
    assert 0.18 < (age <= 15).mean() < 0.25 and 0.12 < (age >= 66).mean() < 0.19
    assert 0.49 < (residents["sex"] == "F").mean() < 0.54
    white_british = (residents["ethnic_group_code"] == 13).mean()
    assert 0.30 < white_british < 0.42
    # Non-residents: ghost GP registrations (~3%) and pupils living outside the borough.
    assert persons.loc[~persons["is_resident"], "lsoa21_code"].isna().all()
    assert residents["lsoa21_code"].notna().all()


def test_geography_is_barnet_shaped_and_the_same_at_every_scale(borough: Run, tmp_path: Path) -> None:
    wards = borough.reference("ons_ward_lad_lookup.csv")
    assert set(wards["WD22NM"]) == WARD_NAMES and len(wards) == 24
    assert set(wards["LAD22NM"]) == {"Barnet"} and set(wards["LAD22CD"]) == {"X09000001"}
    areas = borough.reference("ons_oa_lsoa_msoa_lookup.csv")
    assert areas["LSOA21CD"].nunique() == 211
    assert areas.groupby("LSOA21CD").size().between(4, 6).all()
    assert areas["LSOA21NM"].str.fullmatch(r"Barnet \d{3}[A-J]").all()
    assert 40 <= areas["MSOA21CD"].nunique() <= 50
    small = _generate(tmp_path, scale=0.005, services=("housing",))
    for name in (
        "ons_ward_lad_lookup.csv",
        "ons_oa_lsoa_msoa_lookup.csv",
        "ons_postcode_directory.csv",
        "iod2025_lsoa.csv",
        "household_segments_postcode.csv",
    ):
        assert (small.landing / "reference" / name).read_bytes() == (
            borough.landing / "reference" / name
        ).read_bytes(), name
    assert len(small.reference("llpg_properties.csv")) < len(borough.reference("llpg_properties.csv"))


def test_boundaries_are_synthetic_and_cover_every_ward_and_lsoa_of_the_reference_files(borough: Run) -> None:
    """The dashboard's maps join the boundaries to the shares on the area code: the generator writes
    one feature per ward and per LSOA with the reference files' code, name (and an LSOA's ward), each
    marked synthetic, as a closed ring."""
    wards = borough.reference("ons_ward_lad_lookup.csv")
    lsoas = borough.reference("ons_oa_lsoa_msoa_lookup.csv").drop_duplicates("LSOA21CD")
    for name, expected in (
        ("wards.geojson", {(r.WD22CD, r.WD22NM, None) for r in wards.itertuples()}),
        ("lsoas.geojson", {(r.LSOA21CD, r.LSOA21NM, r.WD22CD) for r in lsoas.itertuples()}),
    ):
        features = json.loads((borough.landing.parent / "boundaries" / name).read_text())["features"]
        written = [
            (f["properties"]["code"], f["properties"]["name"], f["properties"].get("ward_code")) for f in features
        ]
        assert len(written) == len(expected) and set(written) == expected, name
        for feature in features:
            assert feature["properties"]["synthetic"] is True
            (ring,) = feature["geometry"]["coordinates"]
            assert ring[0] == ring[-1] and len(ring) >= 4


def test_gss_codes_are_obviously_synthetic(borough: Run) -> None:
    directory = borough.reference("ons_postcode_directory.csv")
    prefixes = {"oa21": "X00", "lsoa21": "X01", "msoa21": "X02", "osward": "X05", "oslaua": "X09"}
    for column, prefix in prefixes.items():
        assert directory[column].str.fullmatch(prefix + r"\d{6}").all(), column
    codes = pd.concat(
        [directory[c] for c in (*prefixes, "ctry", "rgn")]
        + [
            borough.reference("ons_oa_lsoa_msoa_lookup.csv")[c]
            for c in ("OA21CD", "LSOA21CD", "MSOA21CD", "WD22CD", "LAD22CD")
        ]
        + [
            borough.reference("iod2025_lsoa.csv")["LSOA code (2021)"],
            borough.reference("census2021_age_sex_lsoa.csv")["Lower layer Super Output Areas Code"],
        ]
    )
    assert codes.str.fullmatch(r"X\d{8}").all()
    assert not codes.str.startswith("E").any()


def test_postcode_directory(borough: Run) -> None:
    directory = borough.reference("ons_postcode_directory.csv")
    assert directory["pcds"].str.fullmatch(POSTCODE.pattern).all()
    assert directory["pcds"].is_unique
    assert (directory["pcd"].str.len() == 7).all() and (directory["pcd2"].str.len() == 8).all()
    live = directory["doterm"] == ""
    assert 7_900 <= live.sum() <= 8_100 and 0.01 < (~live).mean() < 0.06
    districts = set(directory["pcds"].str.split(" ").str[0])
    assert districts <= {
        "HA8",
        "NW7",
        "NW9",
        "NW4",
        "NW11",
        "N2",
        "NW2",
        "N3",
        "N12",
        "N20",
        "EN5",
        "EN4",
        "N11",
        "N14",
    }
    gazetteer = borough.reference("llpg_properties.csv")
    assert gazetteer["UPRN"].str.fullmatch(r"99\d{10}").all() and gazetteer["UPRN"].is_unique
    assert set(gazetteer["POSTCODE_LOCATOR"]) <= set(directory.loc[live, "pcds"])
    assert set(gazetteer["CLASSIFICATION_CODE"]) == {"RD02", "RD03", "RD04", "RD06", "RH02"}


def test_census_counts_the_residents(borough: Run) -> None:
    residents = int(borough.persons["is_resident"].sum())
    age_sex = borough.reference("census2021_age_sex_lsoa.csv")
    ethnic = borough.reference("census2021_ethnic_group_lsoa.csv")
    households = borough.reference("census2021_households_lsoa.csv")
    assert age_sex["Observation"].astype(int).sum() == residents
    assert ethnic["Observation"].astype(int).sum() == residents
    assert ethnic.loc[ethnic["Ethnic group (20 categories) Code"] == "-8", "Observation"].astype(int).eq(0).all()
    assert len(age_sex) == 211 * 18 * 2 and set(age_sex["Sex (2 categories)"]) == {"Female", "Male"}
    assert age_sex["Age (18 categories)"].iloc[:2].tolist() == ["Aged 4 years and under", "Aged 4 years and under"]
    assert households["Number of households: Total; measures: Value"].astype(int).sum() == borough.summary.households
    by_lsoa = borough.persons[borough.persons["is_resident"]].groupby("lsoa21_code").size()
    census = age_sex["Observation"].astype(int).groupby(age_sex["Lower layer Super Output Areas Code"]).sum()
    assert census[census > 0].to_dict() == by_lsoa.to_dict()


# --- extracts ---------------------------------------------------------------------------------------


def test_every_extract_has_exactly_the_contract_columns(borough: Run) -> None:
    names = borough.records.drop_duplicates("delivery_file")
    assert set(names["source_table"]) == set(EXPECTED_COLUMNS)
    for table, delivery_file in zip(names["source_table"], names["delivery_file"], strict=True):
        assert list(borough.extract(delivery_file).columns) == EXPECTED_COLUMNS[table].split("|"), delivery_file
    assert re.fullmatch(r"housing_register_2026-(09|10)\.csv", names["delivery_file"].iloc[0])
    asc = pq.read_schema(next((borough.landing / COMMISSION / "adult_social_care").glob("*.parquet")))
    assert str(asc.field("DATE_OF_BIRTH").type) == "date32[day]" and str(asc.field("UPRN").type) == "int64"
    assert str(asc.field("HAS_DISABILITY").type) == "bool" and asc.field("EXTRACT_DATETIME").type.unit in ("s", "ms")


def test_extract_columns_agree_with_the_staging_sources_yaml() -> None:
    declared = {}
    for path in sorted(PROJECT_ROOT.glob("models/staging/*/_*__sources.yml")):
        for source in yaml.safe_load(path.read_text())["sources"]:
            for table in source.get("tables", []):
                if table["name"] in EXPECTED_COLUMNS:
                    declared[table["name"]] = (source["name"], "|".join(c["name"] for c in table["columns"]))
    assert set(declared) == set(EXPECTED_COLUMNS)
    for table, (service, columns) in declared.items():
        assert service == LAYOUT[table][0] and columns == EXPECTED_COLUMNS[table], table


def test_volumes_and_deliveries(borough: Run) -> None:
    records = borough.records
    counts = records.groupby("source_table").size()
    assert counts["nhs_partner_extract"] > 1.0 * borough.summary.residents
    assert counts["ctax_liable_parties"] == pytest.approx(1.4 * borough.summary.households, rel=0.06)
    assert counts["school_census"] == pytest.approx(2 * 60_000 * SCALE, rel=0.06)
    files = records.groupby("source_table")["delivery_file"].unique()
    assert sorted(files["nhs_partner_extract"]) == [
        "nhs_partner_extract_2026-09.csv",
        "nhs_partner_extract_2026-10.csv",
    ]
    assert list(files["participants_export"]) == ["participants_export.xlsx"]
    referrals = borough.extracts("csc_referrals")
    assert (
        referrals["EXTRACT_DT"].str.slice(0, 11).map({"01-Oct-2026": "2026-09", "01-Nov-2026": "2026-10"})
        == referrals["delivery_file"].str.slice(14, 21)
    ).all()
    october = pd.to_datetime(
        referrals.loc[
            referrals["delivery_file"].str.contains("2026-10") & (referrals["faults"] == ""), "REFERRAL_DATE"
        ],
        format="%d-%b-%Y",
    )
    assert october.between("2026-10-01", "2026-10-31").all()


def test_ground_truth_covers_every_delivered_row_once(borough: Run) -> None:
    records = borough.records
    assert not borough.config.truth.resolve().is_relative_to(borough.landing.resolve())
    assert not {"records.parquet", "persons.parquet"} & {p.name for p in borough.landing.rglob("*")}
    assert not records.duplicated(["delivery_file", "row_number"]).any()
    assert (records.groupby(["source_table", "record_ref"])["person_id"].nunique() == 1).all()
    assert set(records["person_id"]) <= set(borough.persons["person_id"])
    assert (records["commission_id"] == COMMISSION).all()
    for table in EXPECTED_COLUMNS:
        rows = borough.extracts(table)
        assert (
            rows.groupby("delivery_file")["row_number"].apply(lambda r: list(r) == list(range(1, len(r) + 1)))
        ).all()
        assert (rows[LAYOUT[table][1]] == rows["record_ref"]).all(), table
    assert len(records) == borough.summary.truth_records == borough.summary.extract_rows


def test_nhs_numbers_pass_modulus_11_unless_made_invalid(borough: Run) -> None:
    for table, column in (("nhs_partner_extract", "NHS_NUMBER"), ("asc_services", "NHS_NUMBER")):
        rows = borough.extracts(table)
        written = rows[column] != ""
        invalid = rows["faults"].str.contains("invalid_nhs_number")
        valid = _nhs_valid(rows[column])
        assert valid[written & ~invalid].all(), table
        assert not valid[invalid].any(), table
        assert (rows.loc[~written, "faults"].str.contains("missing_nhs_number")).all(), table
    nhs = borough.extracts("nhs_partner_extract")
    assert 0.2 < nhs["NHS_NUMBER"].str.contains(" ").mean() < 0.4
    person_numbers = (
        nhs[~nhs["faults"].str.contains("nhs_number")].groupby("person_id")["NHS_NUMBER"].first().str.replace(" ", "")
    )
    assert person_numbers.is_unique


def test_fault_rates_land_near_their_configured_values(borough: Run) -> None:
    records = borough.records
    originals = records[~records["faults"].str.contains("duplicate_row")]

    def rate(fault: str, tables: set[str] | None = None) -> float:
        rows = originals if tables is None else originals[originals["source_table"].isin(tables)]
        return rows["faults"].str.split(";").apply(lambda f: fault in f).mean()

    named = set(EXPECTED_COLUMNS)
    assert rate("name_typo", named) == pytest.approx(0.02, rel=0.25)
    assert rate("initial_only", named) == pytest.approx(0.02, rel=0.25)
    assert rate("postcode_format") == pytest.approx(0.10, rel=0.15)
    assert rate("mixed_date_format", named - {"asc_services"}) == pytest.approx(0.03, rel=0.25)
    assert rate("missing_nhs_number", {"nhs_partner_extract", "asc_services"}) == pytest.approx(0.05, rel=0.2)
    duplicates = records["faults"].str.contains("duplicate_row").sum()
    assert duplicates / len(originals) == pytest.approx(0.01, rel=0.35)
    assert 0 < rate("nickname") < 0.05  # only forenames that have a nickname are eligible
    assert rate("stale_address", {"ctax_liable_parties"}) == 0  # a property's address is never stale


def test_a_rate_of_zero_produces_no_fault(clean: Run) -> None:
    records = clean.records
    assert (records["faults"] == "").all()
    assert not records.duplicated(["delivery_file", "record_ref"]).any()
    directory = set(clean.reference("ons_postcode_directory.csv")["pcds"])
    for table in ("housing_register", "nhs_partner_extract"):
        rows = clean.extracts(table)
        postcodes = rows[LAYOUT[table][6]]
        assert postcodes.str.fullmatch(POSTCODE.pattern).all()
        in_barnet = postcodes.isin(directory)
        assert in_barnet.mean() > 0.9
    assert _nhs_valid(clean.extracts("nhs_partner_extract")["NHS_NUMBER"]).all()


def test_faulted_rows_differ_from_their_clean_originals_as_described(borough: Run, clean: Run) -> None:
    checked: dict[str, int] = {}
    for table, (_, _, forename, surname, dob, dob_format, postcode, _) in LAYOUT.items():
        if forename is None:
            continue
        assert surname is not None and dob is not None, f"{table}: a table with forenames has surnames and births"
        faulty = borough.extracts(table)
        faulty = faulty[~faulty["faults"].str.contains("duplicate_row")]
        pairs = faulty.merge(clean.extracts(table), on=["delivery_file", "record_ref"], suffixes=("", "_clean"))
        assert len(pairs) == len(faulty)
        for _, row in pairs[pairs["faults"] != ""].iterrows():
            faults = set(row["faults"].split(";"))
            name_faults = faults & {
                "name_typo",
                "name_transposition",
                "nickname",
                "initial_only",
                "name_swap",
                "surname_change",
            }
            if "blank" not in faults and not name_faults:
                assert (row[forename], row[surname]) == (row[forename + "_clean"], row[surname + "_clean"])
            if faults & {"name_typo", "name_transposition"} and len(name_faults) == 1 and "blank" not in faults:
                changed = [c for c in (forename, surname) if row[c] != row[c + "_clean"]]
                assert len(changed) == 1 and row[changed[0]] != ""
                before, after = row[changed[0] + "_clean"], row[changed[0]]
                if "name_transposition" in faults:
                    assert sorted(before) == sorted(after) and len(before) == len(after)
                else:
                    assert abs(len(before) - len(after)) <= 1
            if faults == {"initial_only"}:
                assert row[forename] == row[forename + "_clean"][0]
            if faults == {"name_swap"}:
                assert (row[forename], row[surname]) == (row[surname + "_clean"], row[forename + "_clean"])
            if faults == {"swapped_day_month"} and dob_format:
                before = pd.to_datetime(row[dob + "_clean"], format=dob_format)
                after = pd.to_datetime(row[dob], format=dob_format)
                assert (after.day, after.month, after.year) == (before.month, before.day, before.year)
            if faults == {"postcode_format"}:
                assert row[postcode] != row[postcode + "_clean"]
                assert re.sub(r"\s", "", row[postcode].upper()) == row[postcode + "_clean"].replace(" ", "")
            if faults == {"stale_address"}:
                assert row[postcode] != row[postcode + "_clean"]
            for fault in faults:
                checked[fault] = checked.get(fault, 0) + 1
    assert {"name_typo", "name_transposition", "initial_only", "postcode_format", "blank", "mixed_date_format"} <= set(
        checked
    )


def test_nickname_faults_use_the_shared_seed_list(borough: Run, clean: Run) -> None:
    nicknames = pd.read_csv(PROJECT_ROOT / "seeds" / "reference" / "forename_nicknames.csv")
    pairs_allowed = set(zip(nicknames["nickname"].str.lower(), nicknames["forename"].str.lower(), strict=True))
    faulty = borough.extracts("nhs_partner_extract")
    pairs = faulty.merge(
        clean.extracts("nhs_partner_extract"), on=["delivery_file", "record_ref"], suffixes=("", "_clean")
    )
    nick = pairs[pairs["faults"] == "nickname"]
    assert len(nick) > 10
    for after, before in zip(nick["PERSON_GIVEN_NAME"], nick["PERSON_GIVEN_NAME_clean"], strict=True):
        assert (after.lower(), before.lower()) in pairs_allowed


def test_records_are_internally_consistent(borough: Run) -> None:
    def clean_dates(table: str, column: str, fmt: str) -> pd.DataFrame:
        rows = borough.extracts(table)
        rows = rows[~rows["faults"].str.contains("date|blank|duplicate_row")]
        return rows.assign(**{column: pd.to_datetime(rows[column], format=fmt)})

    pupils = clean_dates("school_census", "DOB", "%Y-%m-%d")
    age = (pd.to_datetime(pupils["CensusDate"]) - pupils["DOB"]).dt.days / 365.25
    assert age.between(4, 19).all()
    assert pupils.groupby("delivery_file")["UPN"].apply(lambda u: u.is_unique).all()
    first, second = (set(g) for _, g in borough.extracts("school_census").groupby("delivery_file")["UPN"])
    assert 0.9 < len(first & second) / len(second) < 0.99
    outside = ~borough.persons.set_index("person_id")["is_resident"].reindex(pupils["person_id"]).to_numpy()
    assert 0.05 < outside.mean() < 0.11
    directory = set(borough.reference("ons_postcode_directory.csv")["pcds"])
    assert not pupils.loc[outside & (pupils["faults"] == ""), "Postcode"].isin(directory).any()
    applicants = clean_dates("housing_register", "Date of Birth", "%d/%m/%Y")
    applied = pd.to_datetime(applicants["Application Date"], format="%d/%m/%Y")
    assert ((applied - applicants["Date of Birth"]).dt.days >= 18 * 365).all()
    assert applied.between("2023-11-01", "2026-10-31").all()
    referrals = clean_dates("csc_referrals", "DOB", "%d-%b-%Y")
    referred = pd.to_datetime(referrals["REFERRAL_DATE"], format="%d-%b-%Y")
    assert ((referred >= referrals["DOB"]) & ((referred - referrals["DOB"]).dt.days < 18 * 365.25)).all()
    asc = borough.extracts("asc_services")
    asc = asc[~asc["faults"].str.contains("swapped_day_month|blank")]
    asc_age = (pd.to_datetime(asc["SERVICE_START_DATE"]) - pd.to_datetime(asc["DATE_OF_BIRTH"])).dt.days / 365.25
    assert (asc_age >= 18).all() and (asc_age >= 65).mean() > 0.7
    council_tax = borough.extracts("ctax_liable_parties")
    claims = borough.extracts("ctr_claim_members")
    with_award = set(council_tax.loc[council_tax["CTR AWARD"] == "Y", "household_id"])
    assert with_award <= set(claims["household_id"]) and len(with_award) > 0.9 * claims["CLAIM REF"].nunique()
    assert council_tax["ACCOUNT REF"].str.fullmatch(r"\d{10}").all()
    assert (council_tax["LIABLE NAME"] == council_tax["LIABLE NAME"].str.upper()).all()
    assert 0.35 < (council_tax["PARTY NO"] == "2").sum() / council_tax["ACCOUNT REF"].nunique() < 0.45
    ghosts = borough.extracts("nhs_partner_extract")
    ghost_share = (
        ~borough.persons.set_index("person_id")["is_resident"].reindex(ghosts["person_id"]).to_numpy()
    ).mean()
    assert 0.015 < ghost_share < 0.05


def test_ethnicity_codes_come_from_the_shared_seed_list(borough: Run) -> None:
    codes = pd.read_csv(PROJECT_ROOT / "seeds" / "reference" / "ethnicity_codes.csv", dtype=str, keep_default_na=False)
    assert not codes.duplicated(["code_system", "source_code"]).any()
    assert set(codes.loc[codes["code_system"] == "census_2021", "census_ethnic_group_code"].astype(int)) == set(
        range(1, 20)
    )
    for table, column in ETHNICITY_COLUMN.items():
        system = LAYOUT[table][7]
        written = set(borough.extracts(table)[column]) - {""}
        assert written <= set(codes.loc[codes["code_system"] == system, "source_code"]), table


def test_seed_lists_are_well_formed() -> None:
    nicknames = pd.read_csv(PROJECT_ROOT / "seeds" / "reference" / "forename_nicknames.csv", dtype=str)
    assert list(nicknames.columns) == ["nickname", "forename"] and len(nicknames) >= 100
    assert not nicknames.duplicated().any()
    assert (nicknames == nicknames.apply(lambda c: c.str.title())).all().all()
    assert {("Bill", "William"), ("Liz", "Elizabeth"), ("Sasha", "Alexandra")} <= set(
        nicknames.itertuples(index=False, name=None)
    )


def test_names_are_diverse_and_realistic(borough: Run) -> None:
    nhs = borough.extracts("nhs_partner_extract")
    clean_rows = nhs[nhs["faults"] == ""]
    surnames = set(clean_rows["PERSON_FAMILY_NAME"])
    forenames = set(clean_rows["PERSON_GIVEN_NAME"])
    assert len(forenames) > 300 and len(surnames) > 250
    assert any("'" in s for s in surnames) and any("-" in s for s in surnames)
    assert any(re.search(r"[^\x00-\x7f]", f) for f in forenames)
    assert (nhs["PERSON_FAMILY_NAME"].str.len() > 0).all()


def test_employment_workbook_is_all_text(borough: Run) -> None:
    workbook = pd.read_excel(
        borough.landing / COMMISSION / "employment_skills" / "participants_export.xlsx", sheet_name=None, dtype=object
    )
    assert list(workbook) == ["Participants"]
    values = workbook["Participants"].stack().dropna()  # blank cells read back as missing
    assert len(values) > 10 * len(workbook["Participants"]) and values.map(lambda v: isinstance(v, str)).all()
    sheet = borough.extract("participants_export.xlsx")
    assert sheet["Mobile"].replace("", np.nan).dropna().str.fullmatch(r"07\d{3} \d{6}").all()
    assert sheet["Participant ID"].str.fullmatch(r"EMP-\d{5}").all()


# --- the unseen fault profile ----------------------------------------------------------------------------

#: sha256 over every file the default borough of these tests writes (path and content): the default
#: profile's output, which the linkage was tuned on, must not move when the unseen profile changes.
#: Update it only with a change to the default profile that the commit message explains.
DEFAULT_BOROUGH_SHA256 = "a5475b0f23c649ef2ab7a25fe32810f72d0edfc1b4d3b88dd49e74c74d5d1487"
FALLBACK_DATE_FORMATS = yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text())["vars"]["fallback_date_formats"]


def _digest(run: Run) -> str:
    lines = [
        f"{role}/{path.as_posix()} {hashlib.sha256((folder / path).read_bytes()).hexdigest()}\n"
        for role, folder in (("landing", run.landing), ("ground_truth", run.config.truth))
        for path in _files(folder)
    ]
    return hashlib.sha256("".join(lines).encode()).hexdigest()


def _birth_date_formats() -> dict[str, list[str]]:
    """Source table -> the formats staging tries on its date of birth (stage_person_extract: the
    column's own `formats`, else the table's `date_formats` and the project's fallbacks)."""
    formats = {}
    for path in sorted(PROJECT_ROOT.glob("models/staging/*/_*__sources.yml")):
        for source in yaml.safe_load(path.read_text())["sources"]:
            for table in source.get("tables", []):
                meta = {**table.get("meta", {}), **table.get("config", {}).get("meta", {})}
                for column in table.get("columns", []):
                    column_meta = {**column.get("meta", {}), **column.get("config", {}).get("meta", {})}
                    if column_meta.get("role") == "date_of_birth":
                        formats[table["name"]] = column_meta.get(
                            "formats", meta["date_formats"] + FALLBACK_DATE_FORMATS
                        )
    return formats


_PAIRED: dict[tuple[Path, Path, str], pd.DataFrame] = {}


def _paired(run: Run, clean: Run, table: str) -> pd.DataFrame:
    """Each first delivery of a row beside its clean original (columns suffixed _clean); read once."""
    key = (run.landing, clean.landing, table)
    if key not in _PAIRED:
        faulty = run.extracts(table)
        faulty = faulty[~faulty["faults"].str.contains("duplicate_row")]
        pairs = faulty.merge(clean.extracts(table), on=["delivery_file", "record_ref"], suffixes=("", "_clean"))
        assert len(pairs) == len(faulty)
        _PAIRED[key] = pairs
    return _PAIRED[key]


def _only(pairs: pd.DataFrame, fault: str) -> pd.DataFrame:
    return pairs[pairs["faults"] == fault]


def _named_tables() -> list[str]:
    return [t for t, layout in LAYOUT.items() if layout[2] is not None]


def test_the_default_profile_writes_the_same_bytes_as_before_the_unseen_profile(borough: Run) -> None:
    assert borough.config.fault_profile == "default"
    assert dict(borough.config.fault_rates) == {**FAULT_DEFAULTS, **dict.fromkeys(UNSEEN_FAULT_NAMES, 0.0)}
    assert _digest(borough) == DEFAULT_BOROUGH_SHA256, (
        "the default profile's files changed: the linkage was tuned on them (see DEFAULT_BOROUGH_SHA256)"
    )


def test_unknown_fault_profile_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^unknown fault profile 'seen'; choose from default, unseen$"):
        BoroughConfig(landing=tmp_path / "l", truth=tmp_path / "t", fault_profile="seen")
    assert set(FAULT_PROFILES) == {"default", "unseen"}
    assert set(FAULT_PROFILES["unseen"]) == set(FAULT_NAMES) == set(FAULT_PROFILES["default"])
    # --fault overrides one rate of the profile, the unseen profile's faults included
    config = BoroughConfig(
        landing=tmp_path / "l", truth=tmp_path / "t", fault_profile="unseen", faults={"ocr_name": 0.5}
    )
    rates = config.fault_rates
    assert rates["ocr_name"] == 0.5 and rates["transliteration"] == UNSEEN_FAULTS["transliteration"]
    assert dataclasses.replace(config, fault_profile="default").fault_rates["transliteration"] == 0
    assert dataclasses.replace(config, fault_profile="default").fault_rates["ocr_name"] == 0.5


def test_the_unseen_profile_changes_what_records_say_never_who_they_are(borough: Run, unseen: Run) -> None:
    key = ["delivery_file", "row_number", "record_ref", "person_id", "household_id"]
    assert unseen.records[key].equals(borough.records[key])
    assert (unseen.config.truth / "persons.parquet").read_bytes() == (
        borough.config.truth / "persons.parquet"
    ).read_bytes()
    assert (unseen.landing / "reference").is_dir() and all(
        (unseen.landing / "reference" / p).read_bytes() == (borough.landing / "reference" / p).read_bytes()
        for p in _files(borough.landing / "reference")
    )


def test_unseen_fault_rates_land_near_their_configured_values(unseen: Run) -> None:
    records = unseen.records
    originals = records[~records["faults"].str.contains("duplicate_row")]
    faults = originals["faults"].str.split(";")

    def rate(fault: str, tables: set[str]) -> float:
        return faults[originals["source_table"].isin(tables)].apply(lambda f: fault in f).mean()

    named = set(_named_tables())
    with_birth_dates = named - {"ctax_liable_parties"}
    for fault in UNSEEN_FAULT_NAMES:
        assert rate(fault, set(LAYOUT)) > 0, f"{fault}: no record got it"
    # nearly every named record is eligible for these
    assert rate("first_letter_typo", named) == pytest.approx(0.02, rel=0.25)
    assert rate("birth_date_year_off", with_birth_dates) == pytest.approx(0.01, rel=0.35)
    # eligible only where a name, a postcode or a date has what the fault needs
    assert 0.002 < rate("name_typo_and_date_transposition", with_birth_dates) < 0.01
    assert 0.003 < rate("ocr_name", named) < 0.01
    assert 0.003 < rate("ocr_postcode", set(LAYOUT)) < 0.01
    assert 0.002 < rate("transliteration", named) < 0.02
    assert 0.002 < rate("hyphenated_surname", named) < 0.02
    assert 0.001 < rate("married_surname", named) < 0.01
    # a typed Parquet date cannot lose its day; council tax has no date of birth
    assert rate("birth_date_missing_day", {"asc_services", "ctax_liable_parties"}) == 0
    assert 0.004 < rate("birth_date_missing_day", with_birth_dates - {"asc_services"}) < 0.014


def test_unseen_typos_hit_the_first_letter_the_default_never_does(borough: Run, clean: Run, unseen: Run) -> None:
    """Share of records whose forename's or surname's first letter differs from the true one."""
    shares = {}
    for name, run in (("default", borough), ("unseen", unseen)):
        changed = total = 0
        for table in _named_tables():
            _, _, forename, surname, *_ = LAYOUT[table]
            pairs = _paired(run, clean, table)
            # leave out rows whose names another fault replaced or may have started with another character
            pairs = pairs[~pairs["faults"].str.contains("blank|swap|nickname|surname|transposition|translit|ocr")]
            for column in (forename, surname):
                assert column is not None
                before, after = pairs[column + "_clean"].str.slice(0, 1), pairs[column].str.slice(0, 1)
                changed += int((before != after).sum())
            total += len(pairs)
        shares[name] = changed / total
    assert shares["default"] == 0
    assert shares["unseen"] == pytest.approx(UNSEEN_FAULTS["first_letter_typo"], rel=0.25)
    for table in _named_tables():
        _, _, forename, surname, *_ = LAYOUT[table]
        assert forename is not None and surname is not None
        for _, row in _only(_paired(unseen, clean, table), "first_letter_typo").iterrows():
            names = [c for c in (forename, surname) if row[c] != row[c + "_clean"]]
            assert len(names) == 1, row
            before, after = row[names[0] + "_clean"], row[names[0]]
            assert before[0] != after[0] and before[1:] == after[1:] and after[0].isalpha()


def test_two_faults_in_one_record_a_typo_and_transposed_date_digits(clean: Run, unseen: Run) -> None:
    checked = 0
    for table in _named_tables():
        _, _, forename, surname, dob, dob_format, *_ = LAYOUT[table]
        assert forename is not None and surname is not None and dob is not None
        for _, row in _only(_paired(unseen, clean, table), "name_typo_and_date_transposition").iterrows():
            changed = [c for c in (forename, surname) if row[c] != row[c + "_clean"]]
            assert len(changed) == 1
            before, after = row[changed[0] + "_clean"], row[changed[0]]
            assert len(before) == len(after) and sum(a != b for a, b in zip(before, after, strict=True)) == 1
            was, now = (pd.to_datetime(row[dob + c], format=dob_format or "%Y-%m-%d") for c in ("_clean", ""))
            was_text, now_text = was.strftime("%Y%m%d"), now.strftime("%Y%m%d")
            differ = [i for i in range(8) if was_text[i] != now_text[i]]
            assert len(differ) == 2 and differ[1] == differ[0] + 1, (was_text, now_text)
            assert was_text[differ[0]] == now_text[differ[1]] and was_text[differ[1]] == now_text[differ[0]]
            checked += 1
    assert checked > 20


def test_ocr_confusions_in_names_and_postcodes(clean: Run, unseen: Run) -> None:
    checked = {"ocr_name": 0, "ocr_postcode": 0}
    for table in _named_tables():
        _, _, forename, surname, *_, postcode, _ = LAYOUT[table]
        assert forename is not None and surname is not None
        pairs = _paired(unseen, clean, table)
        for _, row in _only(pairs, "ocr_name").iterrows():
            changed = [c for c in (forename, surname) if row[c] != row[c + "_clean"]]
            assert len(changed) == 1
            before, after = row[changed[0] + "_clean"], row[changed[0]]
            assert any(before.replace(a, b, 1) == after for a, b in OCR_NAME), (before, after)
            checked["ocr_name"] += 1
        for _, row in _only(pairs, "ocr_postcode").iterrows():
            before, after = row[postcode + "_clean"], row[postcode]
            assert any(before.replace(a, b, 1) == after for a, b in OCR_POSTCODE), (before, after)
            assert not POSTCODE.fullmatch(after) or after != before
            checked["ocr_postcode"] += 1
    assert min(checked.values()) > 20, checked


def test_surnames_double_barrelled_and_changed_by_marriage(clean: Run, unseen: Run) -> None:
    hyphenated = married = joined_partner = 0
    new_surnames: dict[int, set[str]] = {}
    household_surnames: dict[int, set[str]] = {}
    for table in _named_tables():
        surname = LAYOUT[table][3]
        assert surname is not None
        pairs = _paired(unseen, clean, table)
        for household, names in pairs.groupby("household_id")[surname + "_clean"]:
            household_surnames.setdefault(int(household), set()).update(names)
        for _, row in _only(pairs, "hyphenated_surname").iterrows():
            before, after = row[surname + "_clean"], row[surname]
            if "-" in before and before not in after:
                assert after in before.split("-")  # a double-barrelled surname cut to one part
            else:
                assert after.startswith(before + "-") or after.endswith("-" + before), (before, after)
            hyphenated += 1
        for _, row in _only(pairs, "married_surname").iterrows():
            assert row[surname] != row[surname + "_clean"]
            new_surnames.setdefault(int(row["person_id"]), set()).add(row[surname])
            married += 1
    # every later record of one person, in every service, carries the one new surname ...
    assert all(len(names) == 1 for names in new_surnames.values())
    # ... the partner's where they live with one
    households = unseen.records.drop_duplicates("person_id").set_index("person_id")["household_id"]
    for person, names in new_surnames.items():
        joined_partner += bool(names & household_surnames.get(int(households[person]), set()))
    assert hyphenated > 20 and married > 10 and joined_partner > 0, (hyphenated, married, joined_partner)


def test_transliterations_come_from_the_table(clean: Run, unseen: Run) -> None:
    checked = 0
    for table in _named_tables():
        _, _, forename, surname, *_ = LAYOUT[table]
        assert forename is not None and surname is not None
        for _, row in _only(_paired(unseen, clean, table), "transliteration").iterrows():
            changed = [c for c in (forename, surname) if row[c] != row[c + "_clean"]]
            assert len(changed) == 1
            before, after = row[changed[0] + "_clean"], row[changed[0]]
            if table == "ctax_liable_parties":
                before, after = before.title(), after.title()
            assert after in TRANSLITERATIONS[before], (before, after)
            checked += 1
    assert checked > 20
    assert TRANSLITERATIONS["Mohammed"] == ("Muhammad", "Mohamed", "Mohammad", "Mohamad", "Muhammed")
    assert "Alexander" not in TRANSLITERATIONS and "Alexander" in TRANSLITERATIONS["Aleksandr"]
    assert "Nguyen" not in TRANSLITERATIONS
    assert all(name not in others for name, others in TRANSLITERATIONS.items())


def test_dates_of_birth_a_year_out_or_without_their_day(clean: Run, unseen: Run) -> None:
    formats = _birth_date_formats()
    month_only = {"%d/%m/%Y": "%m/%Y", "%Y-%m-%d": "%Y-%m", "%d-%b-%Y": "%b-%Y", "%Y%m%d": "%Y%m"}
    checked = {"birth_date_year_off": 0, "birth_date_missing_day": 0}
    for table in _named_tables():
        _, _, _, _, dob, dob_format, *_ = LAYOUT[table]
        if dob is None:
            continue
        pairs = _paired(unseen, clean, table)
        for _, row in _only(pairs, "birth_date_year_off").iterrows():
            was, now = (pd.to_datetime(row[dob + c], format=dob_format or "%Y-%m-%d") for c in ("_clean", ""))
            assert abs(now.year - was.year) == 1 and now.month == was.month
            assert now.day == was.day or (was.month, was.day, now.day) == (2, 29, 28)
            checked["birth_date_year_off"] += 1
        missing = _only(pairs, "birth_date_missing_day")
        if dob_format is None:  # a typed Parquet date cannot lose its day
            assert missing.empty
            continue
        for _, row in missing.iterrows():
            was = pd.to_datetime(row[dob + "_clean"], format=dob_format)
            assert row[dob] == was.strftime(month_only[dob_format])
            checked["birth_date_missing_day"] += 1
        # what staging makes of it: a date of birth present but invalid, since none of the formats parses it
        parsed = duckdb.execute(
            "select count(try_strptime(t, $formats)) from unnest($texts::varchar[]) as u(t)",
            {"texts": list(missing[dob]), "formats": formats[table]},
        ).fetchall()
        assert parsed == [(0,)], table
    assert min(checked.values()) > 20, checked


# --- command line --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--services", "housing,libraries"], "unknown service 'libraries'"),
        (["--fault", "name_typos=0.1"], "unknown fault 'name_typos'"),
        (["--fault-profile", "seen"], "unknown fault profile 'seen'; choose from default, unseen"),
        (["--scale", "0"], "--scale must be greater than 0"),
    ],
)
def test_cli_rejects_bad_arguments_in_one_line(arguments: list[str], message: str, tmp_path: Path) -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "insight_hub.borough",
            "--landing",
            str(tmp_path / "l"),
            "--truth",
            str(tmp_path / "t"),
            *arguments,
        ],
        capture_output=True,
        text=True,
    )
    assert completed.returncode != 0
    assert completed.stderr.count("\n") == 1 and message in completed.stderr
    assert not (tmp_path / "l").exists()


def test_cli_reports_progress(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(
        [
            "--scale",
            "0.002",
            "--services",
            "housing",
            "--fault",
            "nickname=0",
            "--landing",
            str(tmp_path / "l"),
            "--truth",
            str(tmp_path / "t"),
            "--boundaries",
            str(tmp_path / "b"),
        ]
    )
    out = capsys.readouterr().out
    assert status == 0
    assert "boundaries (synthetic): wards.geojson 24 areas, lsoas.geojson 211 areas" in out
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["lsoas.geojson", "wards.geojson"]
    assert re.search(r"housing/housing_register_2026-09\.csv: [\d,]+ rows \(\d+\.\d s\)", out)
    assert "population: 778 residents in 298 households" in out
    assert (tmp_path / "t" / "records.parquet").exists()
