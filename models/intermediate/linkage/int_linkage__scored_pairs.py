"""Splink's scoring of record pairs, one commission at a time.

Each commission's records (int_linkage__records with their token sets) are
scored by Splink (settings in insight_hub/linkage/settings.py) on tokens only;
records of different commissions are never compared (their tokens use
different keys anyway). Every pair scored at PREDICT_THRESHOLD or above is
kept. The trained model of each commission is written to
<target>/linkage/splink_model_<commission>.json, the build's reviewable
artifact, with Splink's charts of it beside it in <target>/linkage/<commission>/
(match_weights.html, m_u_parameters.html, waterfall.html; they open offline).
Set the model config `linkage_model_dir` (var linkage_model_dir) to a folder
of such files to rerun with reviewed parameters instead of training. A
commission too small to train on (under MIN_TRAINING_RECORDS records), or
whose records give no pairs to train on, uses the model of the largest
commission of the run, and the log says so.
"""

import json
import os
from pathlib import Path

import pyarrow as pa
from dbt.adapters.events.logging import AdapterLogger

from insight_hub.linkage.splink_run import UntrainableCommission, linkage_input_sql, score_pairs

MIN_TRAINING_RECORDS = 500  # fewer give EM too few pairs of one person to learn from
logger = AdapterLogger("InsightHub")


def model(dbt, session):
    dbt.config(materialized="table")
    records = dbt.ref("int_linkage__records")
    token_sets = dbt.ref("int_person_records__token_sets")
    reviewed = dbt.config.get("linkage_model_dir") or ""
    artifacts = Path(os.environ.get("DBT_TARGET_PATH", "target")) / "linkage"
    artifacts.mkdir(parents=True, exist_ok=True)

    sizes = session.sql(
        f"select commission_id, count(*) from ({records.sql_query()}) as records group by 1 order by 2 desc, 1"
    ).fetchall()
    largest_model = None
    scored = []
    for commission_id, count in sizes:
        input_sql = linkage_input_sql(records.sql_query(), token_sets.sql_query(), commission_id)
        saved = Path(reviewed) / f"splink_model_{commission_id}.json"
        if reviewed:
            trained = json.loads(saved.read_text())
        elif count < MIN_TRAINING_RECORDS and largest_model is not None:
            trained = largest_model
        else:
            trained = None
        try:
            result = score_pairs(session, input_sql, model=trained, charts_dir=artifacts / commission_id)
        except UntrainableCommission as reason:
            if largest_model is None:
                raise RuntimeError(f"linkage of {commission_id} cannot be trained: {reason}") from None
            logger.warning(f"linkage of {commission_id} cannot be trained ({reason}): using {sizes[0][0]}'s model")
            result = score_pairs(session, input_sql, model=largest_model, charts_dir=artifacts / commission_id)
        largest_model = largest_model or result.model
        if result.plan is not None:
            say = logger.warning if result.plan.untrained else logger.info
            say(f"linkage of {commission_id} ({count} records): {result.plan.describe()}")
        (artifacts / f"splink_model_{commission_id}.json").write_text(json.dumps(result.model, indent=2))
        scored.append(
            result.pairs.append_column("commission_id", pa.array([commission_id] * result.pairs.num_rows, pa.string()))
        )
    if not scored:
        return session.sql(
            "select cast(null as varchar) as record_token_l, cast(null as varchar) as record_token_r, "
            "cast(null as double) as match_weight, cast(null as double) as match_probability, "
            "cast(null as varchar) as commission_id where false"
        )
    return pa.concat_tables(scored)
