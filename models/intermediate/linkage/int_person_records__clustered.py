"""Probabilistic linkage of the person-record spine, one commission at a time.

Each commission's records are linked by Splink (settings in
insight_hub/linkage/settings.py) on tokens only; records of different
commissions are never compared (their tokens use different keys anyway).
The trained model of each commission is written to
<target>/linkage/splink_model_<commission>.json, the build's reviewable
artifact. Set the model config `linkage_model_dir` (var linkage_model_dir) to a
folder of such files to rerun with reviewed parameters instead of training. A
commission too small to train on (under MIN_TRAINING_RECORDS records) uses the
model of the largest commission of the run.
"""

import json
import os
from pathlib import Path

import pyarrow as pa

from insight_hub.linkage.settings import INPUT_COLUMNS
from insight_hub.linkage.splink_run import link_records

MIN_TRAINING_RECORDS = 2000


def model(dbt, session):
    dbt.config(materialized="table")
    spine = dbt.ref("int_person_records__geocoded")
    reviewed = dbt.config.get("linkage_model_dir") or ""
    artifacts = Path(os.environ.get("DBT_TARGET_PATH", "target")) / "linkage"
    artifacts.mkdir(parents=True, exist_ok=True)

    sizes = session.sql(
        f"select commission_id, count(*) from ({spine.sql_query()}) as spine group by 1 order by 2 desc, 1"
    ).fetchall()
    columns = ", ".join(INPUT_COLUMNS)
    largest_model = None
    linked = []
    for commission_id, records in sizes:
        input_sql = f"select {columns} from ({spine.sql_query()}) as spine where commission_id = '{commission_id}'"
        saved = Path(reviewed) / f"splink_model_{commission_id}.json"
        if reviewed:
            trained = json.loads(saved.read_text())
        elif records < MIN_TRAINING_RECORDS and largest_model is not None:
            trained = largest_model
        else:
            trained = None
        result = link_records(session, input_sql, model=trained)
        largest_model = largest_model or result.model
        (artifacts / f"splink_model_{commission_id}.json").write_text(json.dumps(result.model, indent=2))
        records_table = result.records.append_column(
            "commission_id", pa.array([commission_id] * result.records.num_rows, pa.string())
        )
        linked.append(records_table)
    if not linked:
        return session.sql(
            "select cast(null as varchar) as record_token, cast(null as varchar) as cluster_token, "
            "cast(null as double) as best_match_weight, cast(null as double) as best_match_probability, "
            "cast(null as boolean) as is_deterministic, cast(null as varchar) as residual_rule, "
            "cast(null as varchar) as commission_id where false"
        )
    return pa.concat_tables(linked)
