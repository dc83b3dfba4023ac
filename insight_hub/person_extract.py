"""The person-extract contract: its catalogue, and the files written from it.

Every person-level extract is staged by the dbt macro ``stage_person_extract``
from the column roles declared in its sources YAML. This module is the one
home of the catalogue: the roles a source column may take (``ROLES``) and the
canonical staging columns that macro emits (``CANONICAL_COLUMNS``: names,
descriptions, governance classification). From it, it writes

- the macros ``person_extract_roles`` and ``person_extract_columns`` that the
  staging macro reads (``macros/person_extract/_catalogue.sql``),
- one dbt docs block per canonical column (``models/staging/_person_extract__docs.md``),
- each extract's one-line staging model and its YAML twin, beside its sources file:

    python -m insight_hub.person_extract <source_name> <table_name>
    python -m insight_hub.person_extract --all

tests/python/test_person_extract.py regenerates every one of these files
and fails when one differs from the file on disk.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from insight_hub.governance import manifest as m

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# the files written from the catalogue, relative to the project
CATALOGUE_MACRO = Path("macros/person_extract/_catalogue.sql")
DOCS_FILE = Path("models/staging/_person_extract__docs.md")
# heads the catalogue's macro and docs files: a Jinja comment, so it renders to nothing in either
GENERATED_NOTE = (
    "{#- Written by `python -m insight_hub.person_extract --all` from the catalogue in\n"
    "    insight_hub/person_extract.py: change it there and regenerate, never edit this\n"
    "    file (tests/python/test_person_extract.py compares the two). -#}\n"
)

# The roles a source column may take (its meta `role`; README, "Adding a new
# extract"), each with whether a source may map at most one column to it.
ROLES: Mapping[str, bool] = {
    "record_ref": True,
    "source_person_ref": True,
    "nhs_number": True,
    "forename": True,
    "middle_names": True,
    "surname": True,
    "full_name": True,
    "title": True,
    "date_of_birth": True,
    "sex": True,
    "ethnicity": True,
    "disability": True,
    "postcode": True,
    "uprn": True,
    "gp_practice": True,
    "event_date": True,
    "extracted_at": True,
    "related_person_ref": True,
    "address_line": False,
    "contact_identifier": False,
    "attribute": False,
    "excluded": False,
}


@dataclass(frozen=True)
class CanonicalColumn:
    name: str
    description: str
    # privacy-notice category when no source column fills `role`, or "none" for
    # facts about the delivery rather than the person
    data_category: str
    # pseudonymised (a keyed token or quasi-identifier) or "none"
    identifiability: str
    # the source roles the column derives from; it carries the classification of
    # every one present (classifications travel by column lineage), and with
    # none of them present the column is always null
    roles: tuple[str, ...]


def _col(
    name: str,
    description: str,
    data_category: str = "none",
    identifiability: str = "pseudonymised",
    role: str | tuple[str, ...] = (),
) -> CanonicalColumn:
    return CanonicalColumn(
        name, description, data_category, identifiability, (role,) if isinstance(role, str) else role
    )


CANONICAL_COLUMNS: tuple[CanonicalColumn, ...] = (
    _col(
        "commission_id",
        "Commission the extract was supplied for; its key keys every token in this row.",
        identifiability="none",
    ),
    _col("service_code", "Service that supplied the record (the source name).", identifiability="none"),
    _col("source_table", "Source table (extract) the record came from.", identifiability="none"),
    _col("delivery_file", "File name of the delivery the row came from.", identifiability="none"),
    _col(
        "source_row_number",
        "Data row of the record among the rows of its delivery file that parsed (1-based, header excluded); the file's own row unless the parser rejected earlier rows, which int_delivery_rows__quarantined accounts for.",
        identifiability="none",
    ),
    _col(
        "extracted_at", "When the supplying system produced the extract.", identifiability="none", role="extracted_at"
    ),
    _col(
        "record_token",
        "Token of the record's key in the source system (domain record). Unique among current versions.",
        role="record_ref",
    ),
    _col(
        "source_person_token",
        "Token of the supplying system's own person identifier, where it has one (domain source_person).",
        role="source_person_ref",
    ),
    _col(
        "event_date",
        "Date of the service event the record describes (application, referral, approach, registration, census...).",
        role="event_date",
    ),
    _col(
        "nhs_number_token",
        "Token of the NHS number when it passes validation; null when missing or invalid.",
        "NHS Number",
        role="nhs_number",
    ),
    _col("has_nhs_number", "Whether an NHS number was supplied at all.", "NHS Number", role="nhs_number"),
    _col(
        "is_valid_nhs_number",
        "Whether the NHS number has ten digits, a correct modulus-11 check digit, is outside the 999 test range and is not one repeated digit.",
        "NHS Number",
        role="nhs_number",
    ),
    _col(
        "forename_token",
        "Token of the first forename, normalised (upper case, accents, apostrophes and hyphens removed).",
        "Name",
        role="forename",
    ),
    _col(
        "forename_canonical_token",
        "Token of the formal forename a nickname stands for (BILL -> WILLIAM, from the forename_nicknames seed), or of the forename itself.",
        "Name",
        role="forename",
    ),
    _col(
        "forename_soundex_token",
        "Token of the Soundex code of the first forename (domain forename_soundex: never equal to a surname's Soundex token of the same code).",
        "Name",
        role="forename",
    ),
    _col(
        "forename_initial_token", "Token of the forename's initial (domain forename_initial).", "Name", role="forename"
    ),
    _col(
        "surname_token",
        "Token of the surname, normalised and with spaces removed (Smith-Jones and Smith Jones agree).",
        "Name",
        role="surname",
    ),
    _col(
        "surname_soundex_token",
        "Token of the Soundex code of the surname (domain surname_soundex: never equal to a forename's Soundex token of the same code).",
        "Name",
        role="surname",
    ),
    _col("full_name_token", "Token of forename and surname together.", "Name", role="forename"),
    _col(
        "name_swapped_token",
        "Token of surname and forename in that order (domain full_name): equals another record's full_name_token when one of them has the names the wrong way round.",
        "Name",
        role="forename",
    ),
    _col(
        "forename_edit_tokens",
        "Tokens (domain forename_edit) of the forename and, from three letters, of each spelling of it with one letter left out: two records share one when their forenames are one typing slip apart.",
        "Name",
        role="forename",
    ),
    _col(
        "surname_edit_tokens",
        "Tokens (domain surname_edit) of the surname and, from three letters, of each spelling of it with one letter left out: two records share one when their surnames are one typing slip apart.",
        "Name",
        role="surname",
    ),
    _col(
        "forename_word_token",
        "Token of the forename in domain name_word, which surnames share: equals the other record's surname_word_token when one record gives as forename the name the other gives as surname. Read by the linkage through int_person_records__token_sets, never stored.",
        "Name",
        role="forename",
    ),
    _col(
        "surname_word_token",
        "Token of the surname in domain name_word, as forename_word_token. Never stored.",
        "Name",
        role="surname",
    ),
    _col(
        "forename_bigram_tokens",
        "Tokens (domain forename_bigram) of each pair of adjacent letters of the forename padded with a space at each end: the Dice coefficient of two records' sets measures how alike their forenames are. Read by the linkage through int_person_records__token_sets, never stored.",
        "Name",
        role="forename",
    ),
    _col(
        "surname_bigram_tokens",
        "Tokens (domain surname_bigram) of each pair of adjacent letters of the surname padded with a space at each end, as forename_bigram_tokens. Never stored.",
        "Name",
        role="surname",
    ),
    _col("has_name", "Whether both a forename and a surname were supplied.", "Name", role=("forename", "full_name")),
    _col(
        "is_forename_initial",
        "Whether the forename is a single letter (an initial).",
        "Name",
        role=("forename", "full_name"),
    ),
    _col(
        "birth_date_token",
        "Token of the date of birth (ISO) when it parses and is not after the extract date.",
        "Equalities Information",
        role="date_of_birth",
    ),
    _col(
        "birth_date_swapped_token",
        "Token of the date of birth with day and month exchanged, where that is a different valid date; matches a record keyed the other way round.",
        "Equalities Information",
        role="date_of_birth",
    ),
    _col(
        "birth_date_part_tokens",
        "Tokens (domain birth_date_part) of the year, month and day of a valid date of birth: two dates with one part keyed wrong share two. Read by the linkage through int_person_records__token_sets, never stored.",
        "Equalities Information",
        role="date_of_birth",
    ),
    _col(
        "birth_year",
        "Year of birth (a quasi-identifier kept in clear for the linkage only: the spine int_person_records__geocoded carries it, no model a mart reads does).",
        "Equalities Information",
        role="date_of_birth",
    ),
    _col(
        "latest_birth_year",
        "Latest year the person can have been born: the year of birth where known, else (for a source whose subjects must be adults, meta.minimum_subject_age) the event's year less that age. Lets linkage rule out a child for a council-tax payer.",
        "Equalities Information",
        role=("date_of_birth", "event_date"),
    ),
    _col("has_birth_date", "Whether a date of birth was supplied.", "Equalities Information", role="date_of_birth"),
    _col(
        "is_valid_birth_date",
        "Whether the supplied date of birth parses and is not after the extract date.",
        "Equalities Information",
        role="date_of_birth",
    ),
    _col(
        "age_band_code",
        "Census five-year age band (1: 0 to 4, ..., 18: 85 and over) of the age on the event date, from the date of birth (macro age_band_code); null without a valid date of birth.",
        "Equalities Information",
        role=("date_of_birth", "event_date"),
    ),
    _col(
        "sex",
        "F or M from the system's coding, or from the title (MR; MRS, MS, MISS) where it records no sex; null when not known.",
        "Equalities Information",
        role=("sex", "title", "full_name"),
    ),
    _col(
        "ethnicity_code_system",
        "Coding the ethnicity code uses (la_text, census_2021, nhs_ethnic_category, dfe, police_ic).",
        "Equalities Information",
        role="ethnicity",
    ),
    _col(
        "ethnicity_code",
        "Ethnicity code as supplied; mapped to census groups by the ethnicity_codes seed downstream.",
        "Equalities Information",
        role="ethnicity",
    ),
    _col(
        "is_disabled",
        "Whether a disability is recorded; null when not stated.",
        "Equalities Information",
        role="disability",
    ),
    _col(
        "postcode_token",
        "Token of the postcode when it is a valid UK postcode after normalisation (upper case, one space).",
        "Address & contact details",
        role="postcode",
    ),
    _col(
        "postcode_sector_token",
        "Token of the postcode sector (outward code and first inward digit).",
        "Address & contact details",
        role="postcode",
    ),
    _col(
        "unplaced_postcode_token",
        "Token (domain postcode) of a supplied postcode that is not a valid UK postcode (another country's, or mistyped), normalised as postcode_token: evidence for the linkage, never geocoded; delivery_data_quality counts these records as unresolved postcodes.",
        "Address & contact details",
        role="postcode",
    ),
    _col("has_postcode", "Whether a postcode was supplied.", "Address & contact details", role="postcode"),
    _col(
        "is_valid_postcode",
        "Whether the supplied postcode has the BS 7666 shape.",
        "Address & contact details",
        role="postcode",
    ),
    _col(
        "uprn_token",
        "Token of the UPRN of the person's address when it is 1 to 12 digits.",
        "Property information",
        role="uprn",
    ),
    _col("is_valid_uprn", "Whether the supplied UPRN is 1 to 12 digits.", "Property information", role="uprn"),
    _col(
        "address_bigram_tokens",
        "Tokens (domain address_bigram) of each pair of adjacent characters of the address lines joined in the source's order (upper case, punctuation removed): the Dice coefficient of two records' sets measures how alike their addresses are. The lines themselves never leave staging. Never stored.",
        "Address & contact details",
        role="address_line",
    ),
    _col(
        "gp_practice_token",
        "Token of the ODS code of the GP practice the person is registered with (domain gp_practice); linkage reads the ward most of the practice's patients live in as a coarse location for a record without an address.",
        "Health/Medical Information",
        role="gp_practice",
    ),
    _col(
        "contact_identifier_tokens",
        "Tokens of every contact or other identifier the record has (columns with role contact_identifier), each in the domain its source declares (email, phone, nino, national_id, ...), so only identifiers of one kind can match.",
        "Address & contact details",
        role="contact_identifier",
    ),
    _col(
        "is_duplicate_row",
        "Whether the same record key appears earlier in the same delivery file (a duplicated row).",
        identifiability="none",
    ),
    _col(
        "is_current_version",
        "Whether this row is the version of its record the warehouse uses: the first row in the latest accepted delivery, in the delivery order of stg_landing__delivery_checks (delivery_sequence).",
        identifiability="none",
    ),
    _col(
        "quarantine_reason",
        "Why the row is unusable (missing_record_ref, missing_event_date, unparseable_event_date, missing_extracted_at, unparseable_extracted_at (e.g. a truncated last row), event_date_after_extract, birth_date_after_event); null for good rows.",
        identifiability="none",
    ),
    _col("quarantine_column", "Source column the quarantine reason is about.", identifiability="none"),
)


def doc_block(column_name: str) -> str:
    """The name of the docs block describing a canonical column."""
    return f"person_extract__{column_name}"


def catalogue_macro() -> str:
    """The macros giving the staging macro the catalogue's roles and column names."""
    roles = "".join(f"        '{role}': {'true' if single else 'false'},\n" for role, single in ROLES.items())
    columns = "".join(f"        '{column.name}',\n" for column in CANONICAL_COLUMNS)
    return (
        GENERATED_NOTE + "\n{% macro person_extract_roles() -%}\n"
        "    {#- role -> true when a source may map at most one column to it -#}\n"
        f"    {{{{ return({{\n{roles}    }}) }}}}\n"
        "{%- endmacro %}\n\n\n"
        "{% macro person_extract_columns() -%}\n"
        "    {#- The canonical columns, in order, that every person-extract staging model\n"
        "        emits before its own attributes; the spine unions exactly these. -#}\n"
        f"    {{{{ return([\n{columns}    ]) }}}}\n"
        "{%- endmacro %}\n"
    )


def docs_markdown() -> str:
    """One dbt docs block per canonical column, its description."""
    return GENERATED_NOTE + "".join(
        f"\n{{% docs {doc_block(column.name)} %}}\n{column.description}\n{{% enddocs %}}\n"
        for column in CANONICAL_COLUMNS
    )


class _DocReference(str):
    """A description that is a reference to a docs block."""


class _TwinDumper(yaml.SafeDumper):
    """yaml.safe_dump's dumper, writing a docs-block reference in double quotes."""


_TwinDumper.add_representer(
    _DocReference, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
)


def _role_list(column: dict[str, Any]) -> list[str | None]:
    """A column's roles: meta.role is one role or a list of them; [None] for a column without one."""
    role = m.column_meta(column).get("role")
    return role if isinstance(role, list) else [role]


def _classification(meta: dict[str, Any]) -> dict[str, Any]:
    """The governance classification a source column passes to what derives from it."""
    return {key: meta[key] for key in ("data_category", "special_category") if key in meta}


def _merged(classifications: list[dict[str, Any]]) -> dict[str, Any]:
    """One classification carrying every category of several source columns."""
    merged: dict[str, Any] = {}
    for key in ("data_category", "special_category"):
        values = sorted({value for c in classifications for value in m.as_list(c.get(key)) if value != "none"})
        if values:
            merged[key] = values[0] if len(values) == 1 else values
        elif key == "data_category":
            merged[key] = "none"
    return merged


def _source_tables(staging_dir: Path) -> Iterator[tuple[Path, dict[str, Any], dict[str, Any]]]:
    """Every declared source table: the folder of its sources file, its source's YAML and its own."""
    for path in sorted(staging_dir.glob("*/_*__sources.yml")):
        for source in yaml.safe_load(path.read_text())["sources"]:
            for table in source["tables"]:
                yield path.parent, source, table


def find_source_table(
    staging_dir: Path, source_name: str, table_name: str
) -> tuple[Path, dict[str, Any], dict[str, Any]]:
    """The folder declaring source `source_name`, its YAML and its table `table_name`'s."""
    for folder, source, table in _source_tables(staging_dir):
        if (source["name"], table["name"]) == (source_name, table_name):
            return folder, source, table
    raise SystemExit(
        f"no sources file under {staging_dir} declares {source_name}.{table_name}: declare the source first"
    )


def person_extract_tables(staging_dir: Path) -> list[tuple[Path, dict[str, Any], dict[str, Any]]]:
    """The person-level extracts: the declared source tables with a column role."""
    return [
        (folder, source, table)
        for folder, source, table in _source_tables(staging_dir)
        if any(m.column_meta(column).get("role") for column in table.get("columns", []))
    ]


def twin_yaml(source: dict[str, Any], table: dict[str, Any]) -> str:
    """The YAML twin of a person-extract staging model."""
    # keyed by role; a column without a role files its classification under None, which no canonical column reads
    classification_by_role: dict[str | None, list[dict[str, Any]]] = {}
    for column in table.get("columns", []):
        for role in _role_list(column):
            classification_by_role.setdefault(role, []).append(_classification(m.column_meta(column)))
    if "full_name" in classification_by_role:
        for role in ("forename", "surname"):
            classification_by_role.setdefault(role, classification_by_role["full_name"])
    columns: list[dict[str, Any]] = []
    for canonical in CANONICAL_COLUMNS:
        # a column whose roles no source column fills is always null: nothing to classify
        present = [role for role in canonical.roles if role in classification_by_role]
        if not canonical.roles:
            classification = {"data_category": canonical.data_category}
        elif present:
            classification = _merged([c for role in present for c in classification_by_role[role]])
        else:
            classification = {"data_category": "none"}
        columns.append(
            {
                "name": canonical.name,
                "description": _DocReference(f"{{{{ doc('{doc_block(canonical.name)}') }}}}"),
                "config": {"meta": {**classification, "identifiability": canonical.identifiability}},
            }
        )
    for column in table.get("columns", []):
        meta = m.column_meta(column)
        roles = _role_list(column)
        extra = _classification(meta)
        if "related_person_ref" in roles:
            columns.append(
                {
                    "name": "related_person_token",
                    "description": f"Token of the supplying system's person identifier of the related person ({column['name']}).",
                    "config": {"meta": {**extra, "identifiability": "pseudonymised"}},
                }
            )
    for column in table.get("columns", []):
        meta = m.column_meta(column)
        if "attribute" in _role_list(column):
            extra = _classification(meta)
            columns.append(
                {
                    "name": meta["as"],
                    "description": column["description"],
                    "config": {"meta": {**extra, "identifiability": "pseudonymised"}},
                }
            )
    model = {
        "name": f"stg_{source['name']}__{table['name']}",
        "description": (
            f"{table['description'].strip()} Staged by stage_person_extract: one row per delivered row, "
            "identifiers replaced by keyed tokens, with duplicate and quarantine flags."
        ),
        "config": {
            "meta": {
                "owning_service": source["config"]["meta"]["owning_service"],
                "retention_class": table["config"]["meta"]["retention_class"],
            }
        },
        "data_tests": [{"person_extract_is_sound": {}}],
        "columns": columns,
    }
    header = (
        f"# Written by `python -m insight_hub.person_extract {source['name']} {table['name']}` (or `--all`)\n"
        "# from the column roles in the sources file beside it and the catalogue in\n"
        "# insight_hub/person_extract.py; regenerate after changing either, never edit by hand.\n"
    )
    return header + yaml.dump(
        {"version": 2, "models": [model]}, Dumper=_TwinDumper, sort_keys=False, width=100, allow_unicode=True
    )


def extract_files(folder: Path, source: dict[str, Any], table: dict[str, Any]) -> dict[Path, str]:
    """An extract's one-line staging model and its YAML twin, by path."""
    model_path = folder / f"stg_{source['name']}__{table['name']}.sql"
    return {
        model_path: f"{{{{ stage_person_extract('{source['name']}', '{table['name']}') }}}}\n",
        model_path.with_suffix(".yml"): twin_yaml(source, table),
    }


def catalogue_files(project_dir: Path) -> dict[Path, str]:
    """The catalogue's macro and docs blocks, by path."""
    return {project_dir / CATALOGUE_MACRO: catalogue_macro(), project_dir / DOCS_FILE: docs_markdown()}


def generated_files(project_dir: Path = PROJECT_ROOT) -> dict[Path, str]:
    """Every file this module writes, by path: the catalogue's, and each extract's model and twin."""
    files = catalogue_files(project_dir)
    for folder, source, table in person_extract_tables(project_dir / "models" / "staging"):
        files.update(extract_files(folder, source, table))
    return files


def _write(files: dict[Path, str]) -> list[Path]:
    """Write the files whose text differs from what is on disk; the paths written."""
    written = []
    for path, text in files.items():
        if not path.is_file() or path.read_text() != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            written.append(path)
    return written


def onboard(source_name: str, table_name: str, project_dir: Path = PROJECT_ROOT) -> list[Path]:
    """Write (or rewrite) the staging model and twin of an extract beside its
    sources file, and the catalogue's files they use; the paths that changed."""
    folder, source, table = find_source_table(project_dir / "models" / "staging", source_name, table_name)
    return _write({**catalogue_files(project_dir), **extract_files(folder, source, table)})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the staging model and YAML twin of a person-level extract.")
    parser.add_argument("source_name", nargs="?")
    parser.add_argument("table_name", nargs="?")
    parser.add_argument(
        "--all", action="store_true", help="rewrite every extract's model and twin and the catalogue's files"
    )
    parser.add_argument("--project-dir", type=Path, default=PROJECT_ROOT)
    args = parser.parse_args(argv)
    if args.all != (args.source_name is None) or (args.source_name is None) != (args.table_name is None):
        parser.error("give <source_name> <table_name>, or --all")
    if args.all:
        written = _write(generated_files(args.project_dir))
    else:
        written = onboard(args.source_name, args.table_name, args.project_dir)
    for path in written:
        print(f"wrote {path}")
    if not written:
        print("every file was up to date")
    if not args.all:
        print(f"next: add stg_{args.source_name}__{args.table_name} to vars.person_extracts in dbt_project.yml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
