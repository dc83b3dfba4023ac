"""The person-extract catalogue has one home, and every file written from it matches it.

Rules guarded (issue 11): insight_hub.person_extract is the only home of the
roles and canonical columns; the files written from it (the catalogue macros
the staging macro reads, the docs blocks the twins' descriptions use, and each
person-level extract's staging model and YAML twin) are exactly what it and
the sources YAML give now, so a generated file edited by hand, or a catalogue
or sources file changed without regenerating, fails here; every person-level
extract is in vars.person_extracts; the command line rewrites one extract or
all of them.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
import yaml

from insight_hub import person_extract
from insight_hub.person_extract import PROJECT_ROOT

REGISTER_TWIN = Path("models/staging/housing/stg_housing__housing_register.yml")


def _stale(project_dir: Path) -> list[Path]:
    """The generated files whose text on disk is not what the catalogue and sources give now."""
    return sorted(
        path.relative_to(project_dir)
        for path, text in person_extract.generated_files(project_dir).items()
        if not path.is_file() or path.read_text() != text
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of what the generator reads and writes: the staging models and the catalogue macros."""
    for folder in ("models/staging", "macros/person_extract"):
        shutil.copytree(PROJECT_ROOT / folder, tmp_path / folder)
    return tmp_path


def test_generated_files_match_the_catalogue() -> None:
    assert _stale(PROJECT_ROOT) == [], "regenerate them: python -m insight_hub.person_extract --all"


def test_every_person_extract_is_generated_and_listed() -> None:
    """No staging model calls stage_person_extract without a source declaring its
    roles, and every one feeds the spine (vars.person_extracts)."""
    calling = {
        path
        for path in (PROJECT_ROOT / "models" / "staging").glob("*/stg_*.sql")
        if "stage_person_extract(" in path.read_text()
    }
    generated = {path for path in person_extract.generated_files() if path.suffix == ".sql" and "models" in path.parts}
    assert calling == generated
    listed = yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text())["vars"]["person_extracts"]
    assert sorted(path.stem for path in generated) == sorted(listed)


def test_a_hand_edited_file_is_caught(project: Path) -> None:
    twin = project / REGISTER_TWIN
    twin.write_text(
        twin.read_text().replace(
            "\"{{ doc('person_extract__commission_id') }}\"", "Commission the extract was supplied for.", 1
        )
    )
    catalogue = project / person_extract.CATALOGUE_MACRO
    catalogue.write_text(
        catalogue.read_text().replace("'excluded': false,", "'excluded': false,\n        'notes': false,")
    )
    assert _stale(project) == sorted([REGISTER_TWIN, person_extract.CATALOGUE_MACRO])


def test_a_catalogue_changed_without_regenerating_is_caught(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, *rest = person_extract.CANONICAL_COLUMNS
    monkeypatch.setattr(
        person_extract, "CANONICAL_COLUMNS", (dataclasses.replace(first, description="Changed."), *rest)
    )
    assert _stale(project) == [person_extract.DOCS_FILE]
    monkeypatch.setattr(person_extract, "ROLES", {**person_extract.ROLES, "notes": False})
    assert _stale(project) == sorted([person_extract.DOCS_FILE, person_extract.CATALOGUE_MACRO])


def test_all_rewrites_every_generated_file(project: Path) -> None:
    for path in (person_extract.CATALOGUE_MACRO, person_extract.DOCS_FILE, REGISTER_TWIN):
        (project / path).unlink()
    assert person_extract.main(["--all", "--project-dir", str(project)]) == 0
    assert _stale(project) == []


def test_onboarding_one_extract_writes_its_model_and_twin(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = REGISTER_TWIN.with_suffix(".sql")
    for path in (model, REGISTER_TWIN):
        (project / path).unlink()
    assert person_extract.main(["housing", "housing_register", "--project-dir", str(project)]) == 0
    assert (project / model).read_text() == "{{ stage_person_extract('housing', 'housing_register') }}\n"
    assert _stale(project) == []
    printed = capsys.readouterr().out
    assert f"wrote {project / REGISTER_TWIN}" in printed
    assert "next: add stg_housing__housing_register to vars.person_extracts" in printed


def test_the_command_needs_an_extract_or_all() -> None:
    for argv in ([], ["housing"], ["--all", "housing", "housing_register"]):
        with pytest.raises(SystemExit) as exited:
            person_extract.main(argv)
        assert exited.value.code == 2
