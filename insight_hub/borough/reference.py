"""The anonymised external data in `<landing>/reference/`: ONS geography lookups
and postcode directory, census 2021 tables (counts of the synthetic residents),
the Indices of Deprivation, the council's gazetteer and a commercial household
segmentation. Layouts follow the published files (see README.md)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from insight_hub.borough.codes import CENSUS_GROUP_LABELS
from insight_hub.borough.dates import age_years, day_number
from insight_hub.borough.geography import (
    COUNTRY_CODE,
    LAD_CODE,
    LAD_NAME,
    REGION_CODE,
    SEGMENT_GROUPS,
    SEGMENT_VENDOR_LICENCE,
    Geography,
    decile,
)
from insight_hub.borough.population import Population
from insight_hub.borough.writers import write_csv

AGE_BAND_LABELS = (
    ["Aged 4 years and under"] + [f"Aged {a} to {a + 4} years" for a in range(5, 85, 5)] + ["Aged 85 years and over"]
)
IOD_DOMAINS = (
    ("imd", "Index of Multiple Deprivation (IMD)", "Score"),
    ("income", "Income", "Score (rate)"),
    ("employment", "Employment", "Score (rate)"),
    ("idaci", "Income Deprivation Affecting Children Index (IDACI)", "Score (rate)"),
    ("idaopi", "Income Deprivation Affecting Older People (IDAOPI)", "Score (rate)"),
)


def write_reference(folder: Path, geo: Geography, population: Population, as_of: date) -> dict[str, int]:
    """Write every reference file; return file name -> data rows."""
    tables = {
        "ons_postcode_directory.csv": postcode_directory(geo),
        "ons_ward_lad_lookup.csv": ward_lookup(geo),
        "ons_oa_lsoa_msoa_lookup.csv": output_area_lookup(geo),
        "census2021_age_sex_lsoa.csv": census_age_sex(geo, population, as_of),
        "census2021_ethnic_group_lsoa.csv": census_ethnic_group(geo, population),
        "census2021_households_lsoa.csv": census_households(geo, population),
        "iod2025_lsoa.csv": indices_of_deprivation(geo),
        "llpg_properties.csv": gazetteer(population),
        "household_segments_postcode.csv": household_segments(geo),
    }
    for name, frame in tables.items():
        write_csv(frame, folder / name)
    return {name: len(frame) for name, frame in tables.items()}


def postcode_directory(geo: Geography) -> pd.DataFrame:
    pc = geo.postcodes
    outward = pc["pcds"].str.split(" ").str[0]
    inward = pc["pcds"].str.split(" ").str[1]
    lsoa = pc["lsoa"].to_numpy()
    return pd.DataFrame(
        {
            "pcd": outward.str.ljust(4) + inward,
            "pcd2": outward.str.ljust(4) + " " + inward,
            "pcds": pc["pcds"],
            "dointr": pc["dointr"].astype(str),
            "doterm": np.where(pc["doterm"] > 0, pc["doterm"].astype(str), ""),
            "usertype": pc["usertype"],
            "oseast1m": pc["easting"],
            "osnrth1m": pc["northing"],
            "oslaua": LAD_CODE,
            "osward": geo.wards["code"].to_numpy()[pc["ward"].to_numpy()],
            "ctry": COUNTRY_CODE,
            "rgn": REGION_CODE,
            "oa21": geo.oas["code"].to_numpy()[pc["oa"].to_numpy()],
            "lsoa21": geo.lsoas["code"].to_numpy()[lsoa],
            "msoa21": geo.lsoas["msoa_code"].to_numpy()[lsoa],
            "lat": pc["lat"].map("{:.6f}".format),
            "long": pc["long"].map("{:.6f}".format),
            "imd": geo.lsoas["imd_rank"].to_numpy()[lsoa],
        }
    )


def ward_lookup(geo: Geography) -> pd.DataFrame:
    return pd.DataFrame(
        {"WD22CD": geo.wards["code"], "WD22NM": geo.wards["name"], "LAD22CD": LAD_CODE, "LAD22NM": LAD_NAME}
    )


def output_area_lookup(geo: Geography) -> pd.DataFrame:
    lsoa = geo.oas["lsoa"].to_numpy()
    lsoas = geo.lsoas
    return pd.DataFrame(
        {
            "OA21CD": geo.oas["code"],
            "LSOA21CD": lsoas["code"].to_numpy()[lsoa],
            "LSOA21NM": lsoas["name"].to_numpy()[lsoa],
            "MSOA21CD": lsoas["msoa_code"].to_numpy()[lsoa],
            "MSOA21NM": lsoas["msoa_name"].to_numpy()[lsoa],
            "WD22CD": geo.wards["code"].to_numpy()[lsoas["ward"].to_numpy()[lsoa]],
            "LAD22CD": LAD_CODE,
            "LAD22NM": LAD_NAME,
        }
    )


def _resident_lsoa(population: Population) -> tuple[pd.DataFrame, np.ndarray]:
    residents = population.residents
    return residents, population.addresses["lsoa"].to_numpy()[residents["addr"].to_numpy()]


def census_age_sex(geo: Geography, population: Population, as_of: date) -> pd.DataFrame:
    """Residents by LSOA x 18 age bands x sex, every combination (zeros included)."""
    residents, lsoa = _resident_lsoa(population)
    age = age_years(residents["dob"].to_numpy(), day_number(as_of))
    band = np.minimum(age // 5, 17)
    sex = np.where(residents["male"].to_numpy(), 1, 0)  # 0 female (code 1), 1 male (code 2)
    counts = np.bincount((lsoa * 18 + band) * 2 + sex, minlength=len(geo.lsoas) * 36).reshape(len(geo.lsoas), 18, 2)
    grid = np.indices(counts.shape).reshape(3, -1)
    return pd.DataFrame(
        {
            "Lower layer Super Output Areas Code": geo.lsoas["code"].to_numpy()[grid[0]],
            "Lower layer Super Output Areas": geo.lsoas["name"].to_numpy()[grid[0]],
            "Age (18 categories) Code": grid[1] + 1,
            "Age (18 categories)": np.array(AGE_BAND_LABELS, dtype=object)[grid[1]],
            "Sex (2 categories) Code": grid[2] + 1,
            "Sex (2 categories)": np.where(grid[2] == 0, "Female", "Male"),
            "Observation": counts.reshape(-1),
        }
    )


def census_ethnic_group(geo: Geography, population: Population) -> pd.DataFrame:
    """Residents by LSOA x ethnic group (-8 "Does not apply", always 0, then 1..19)."""
    residents, lsoa = _resident_lsoa(population)
    counts = np.bincount(lsoa * 20 + residents["group"].to_numpy(), minlength=len(geo.lsoas) * 20).reshape(-1, 20)
    codes = np.array([-8, *range(1, 20)])
    labels = np.array(["Does not apply", *CENSUS_GROUP_LABELS.values()], dtype=object)
    counts = np.column_stack([np.zeros(len(geo.lsoas), dtype=np.int64), counts[:, 1:]])
    grid = np.indices(counts.shape).reshape(2, -1)
    return pd.DataFrame(
        {
            "Lower layer Super Output Areas Code": geo.lsoas["code"].to_numpy()[grid[0]],
            "Lower layer Super Output Areas": geo.lsoas["name"].to_numpy()[grid[0]],
            "Ethnic group (20 categories) Code": codes[grid[1]],
            "Ethnic group (20 categories)": labels[grid[1]],
            "Observation": counts.reshape(-1),
        }
    )


def census_households(geo: Geography, population: Population) -> pd.DataFrame:
    counts = np.bincount(population.households["lsoa"].to_numpy(), minlength=len(geo.lsoas))
    return pd.DataFrame(
        {
            "date": 2021,
            "geography": geo.lsoas["name"],
            "geography code": geo.lsoas["code"],
            "Number of households: Total; measures: Value": counts,
        }
    )


def indices_of_deprivation(geo: Geography) -> pd.DataFrame:
    lsoas = geo.lsoas
    columns: dict[str, object] = {
        "LSOA code (2021)": lsoas["code"],
        "LSOA name (2021)": lsoas["name"],
        "Local Authority District code (2024)": LAD_CODE,
        "Local Authority District name (2024)": LAD_NAME,
    }
    for key, heading, score in IOD_DOMAINS:
        columns[f"{heading} {score}"] = lsoas[f"{key}_score"].map("{:.3f}".format)
        columns[f"{heading} Rank (where 1 is most deprived)"] = lsoas[f"{key}_rank"]
        columns[f"{heading} Decile (where 1 is most deprived 10% of LSOAs)"] = decile(lsoas[f"{key}_rank"].to_numpy())
    return pd.DataFrame(columns)


def gazetteer(population: Population) -> pd.DataFrame:
    p = population.properties
    return pd.DataFrame(
        {
            "UPRN": p["uprn"],
            "USRN": p["usrn"],
            "SAO_TEXT": p["sao"],
            "PAO_START_NUMBER": np.where(p["pao_number"] > 0, p["pao_number"].astype(str), ""),
            "PAO_TEXT": p["pao_text"],
            "STREET_DESCRIPTOR": p["street"],
            "LOCALITY": p["locality"],
            "TOWN_NAME": p["town"],
            "POSTCODE_LOCATOR": p["postcode"],
            "CLASSIFICATION_CODE": p["classification"],
            "LOGICAL_STATUS": p["status"],
            "X_COORDINATE": p["x"],
            "Y_COORDINATE": p["y"],
        }
    )


def household_segments(geo: Geography) -> pd.DataFrame:
    live = geo.postcodes[geo.postcodes["live"]]
    segment = live["segment"].to_numpy()
    group = segment // 3
    return pd.DataFrame(
        {
            "Postcode": live["pcds"].to_numpy(),
            "Segment Code": [f"{SEGMENT_GROUPS[g][0]}{s % 3 + 1:02d}" for g, s in zip(group, segment, strict=True)],
            "Segment Name": [SEGMENT_GROUPS[g][2][s % 3] for g, s in zip(group, segment, strict=True)],
            "Group Code": [SEGMENT_GROUPS[g][0] for g in group],
            "Group Name": [SEGMENT_GROUPS[g][1] for g in group],
            "Licence": SEGMENT_VENDOR_LICENCE,
        }
    )
