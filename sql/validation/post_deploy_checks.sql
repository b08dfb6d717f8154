-- Read-only checks after a deploy (dev shown; the smoke command runs the same queries).
-- The DAG: one task per pipeline step plus root, finalizer and the stream-triggered task.
SHOW TASKS IN SCHEMA C360_DEV.PLATFORM;

-- Every task is owned by the pipeline role, none by ACCOUNTADMIN.
SELECT "name", "owner", "state"
FROM TABLE(RESULT_SCAN(LAST_QUERY_ID()))
WHERE "owner" <> 'C360_DEV_PIPELINE';

-- The latest recorded pipeline run, step by step.
SELECT run_id, step, status, started_at, finished_at, error
FROM C360_DEV.OBSERVABILITY.PIPELINE_RUNS
WHERE run_id = (
  SELECT run_id FROM C360_DEV.OBSERVABILITY.PIPELINE_RUNS ORDER BY started_at DESC LIMIT 1
)
ORDER BY started_at;

-- PII columns carry their masking policies.
SELECT policy_name, ref_entity_name, ref_column_name
FROM TABLE(C360_DEV.INFORMATION_SCHEMA.POLICY_REFERENCES(
  POLICY_NAME => 'C360_DEV.PLATFORM.MASK_EMAIL'
));

-- Row counts per layer from the last observability step.
SELECT layer, table_name, row_count, counted_at
FROM C360_DEV.OBSERVABILITY.LAYER_RECORD_COUNTS
QUALIFY ROW_NUMBER() OVER (PARTITION BY layer, table_name ORDER BY counted_at DESC) = 1
ORDER BY layer, table_name;
