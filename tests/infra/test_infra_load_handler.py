"""generate → load handlers against a Snowpark stand-in: a stage folder plus a DuckDB "account".

The stand-in implements the Snowpark calls the handlers make — ``sql(...).to_pandas()``
(``LIST @stage`` answers ``name`` rows as ``<stage>/<relative path>``, like Snowflake),
``file.put(local, stage_dir)``, ``file.get(stage_file, local_dir)`` and
``write_pandas(frame, table, schema=...)`` — and runs every other query on DuckDB.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from toolkit.generate import generate_landing
from toolkit.pipeline import snowflake_steps as procedures
from toolkit.pipeline.bronze import BRONZE_DDL
from toolkit.pipeline.load import load_landing
from toolkit.pipeline.observability import OBSERVABILITY_DDL

STAGE = procedures.GENERATED_LANDING_STAGE


class Result:
    def __init__(self, session, query, params):
        self.session, self.query, self.params = session, query, params

    def to_pandas(self):
        if self.query.lower().startswith("list "):
            root = self.session.stage_root
            names = sorted(
                f"generated_landing/{p.relative_to(root).as_posix()}"
                for p in root.rglob("*")
                if p.is_file()
            )
            return pd.DataFrame({"name": names})
        return self.session.con.execute(self.query, self.params or []).df()


class Files:
    def __init__(self, root: Path):
        self.root = root

    def put(self, local, stage_dir, *, auto_compress, overwrite):
        assert auto_compress is False and overwrite is True
        folder = self.root / stage_dir.removeprefix(STAGE).lstrip("/")
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(local, folder)

    def get(self, stage_file, local_dir):
        shutil.copy(self.root / stage_file.removeprefix(STAGE).lstrip("/"), local_dir)


class Session:
    def __init__(self, con, stage_root: Path):
        self.con, self.stage_root = con, stage_root
        self.file = Files(stage_root)

    def sql(self, query, params=None):
        return Result(self, query, params)

    def write_pandas(
        self, frame, table, *, schema, auto_create_table, overwrite, quote_identifiers
    ):
        assert not overwrite and not auto_create_table and quote_identifiers is False
        self.con.register("incoming", frame.rename(columns=str.lower))
        # schema/table are the handler's fixed names
        self.con.execute(f"insert into {schema}.{table} by name select * from incoming")
        self.con.unregister("incoming")


@pytest.fixture
def session(tmp_path):
    con = duckdb.connect(str(tmp_path / "account.duckdb"))
    con.execute("create schema bronze")
    con.execute("create schema observability")
    for ddl in (*BRONZE_DDL.values(), *OBSERVABILITY_DDL.values()):
        con.execute(ddl)
    yield Session(con, tmp_path / "stage")
    con.close()


COUNTS = {
    "raw_customers": "select count(*) from bronze.raw_customers",
    "raw_transactions": "select count(*) from bronze.raw_transactions",
    "raw_merchant_categories": "select count(*) from bronze.raw_merchant_categories",
    "rejected_rows": "select count(*) from bronze.rejected_rows",
    "load_batches": "select count(*) from observability.load_batches",
}


def _counts(con) -> dict[str, int]:
    return {name: con.execute(sql).fetchone()[0] for name, sql in COUNTS.items()}


def test_generated_batches_load_like_locally_and_only_once(session, tmp_path):
    procedures.generate_handler(session, customers=40, seed=11, dirty_rate=0.02)
    procedures.load_handler(session)
    in_snowflake = _counts(session.con)

    local_landing = tmp_path / "local" / "landing"
    generate_landing(local_landing, customers=40, seed=11, dirty_rate=0.02)
    load_landing(tmp_path / "local" / "c360.duckdb", local_landing, show_progress=False)
    local = duckdb.connect(str(tmp_path / "local" / "c360.duckdb"), read_only=True)
    try:
        assert in_snowflake == _counts(local)
    finally:
        local.close()
    assert in_snowflake["raw_transactions"] > 0 and in_snowflake["rejected_rows"] > 0

    procedures.load_handler(session)  # nothing new on the stage: nothing added
    assert _counts(session.con) == in_snowflake
