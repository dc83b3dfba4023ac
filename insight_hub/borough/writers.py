"""File writers that give the same bytes for the same content.

CSV is UTF-8 with `\\n` line ends and minimal quoting. Parquet is written from
an explicit schema (no pandas metadata). XLSX is written by openpyxl with
fixed document properties, then re-zipped with fixed member timestamps, since
openpyxl stamps both with the current time.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

ZIP_TIMESTAMP = (2020, 1, 1, 0, 0, 0)


def write_csv(frame: pd.DataFrame, path: Path, sep: str = ",") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, sep=sep, index=False, lineterminator="\n", encoding="utf-8")


def write_parquet(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression="snappy")


def write_xlsx(frame: pd.DataFrame, path: Path, sheet: str, stamped: datetime) -> None:
    """One sheet, header then rows, every cell a string; properties dated `stamped`."""
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)
    worksheet.append(list(frame.columns))
    for row in frame.itertuples(index=False, name=None):
        worksheet.append(list(row))
    workbook.properties.creator = "Insight Hub synthetic borough"
    workbook.properties.created = stamped
    workbook.properties.modified = stamped
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        # ExcelWriter directly: openpyxl's save() would stamp `modified` with the current time.
        ExcelWriter(workbook, archive).write_data()
    path.parent.mkdir(parents=True, exist_ok=True)
    with (
        zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            info = zipfile.ZipInfo(member.filename, date_time=ZIP_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(member.filename))
