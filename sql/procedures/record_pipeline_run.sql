-- Finalizer of the pipeline tasks DAG: one OBSERVABILITY.PIPELINE_RUNS row per step of
-- the graph run that just finished (the same table and columns the local runner writes),
-- plus one 'pipeline' row summarising the run. Task names are C360_<STEP>.
CREATE OR REPLACE PROCEDURE C360_RECORD_PIPELINE_RUN(ENV VARCHAR)
RETURNS NUMBER
LANGUAGE SQL
EXECUTE AS OWNER
AS $$
DECLARE
  run_group VARCHAR;
  recorded NUMBER DEFAULT 0;
BEGIN
  run_group := (SELECT SYSTEM$TASK_RUNTIME_INFO('CURRENT_TASK_GRAPH_RUN_GROUP_ID'));
  INSERT INTO observability.pipeline_runs
    (run_id, env, step, status, started_at, finished_at, rows_in, rows_out, error)
  SELECT
    :run_group,
    :env,
    LOWER(REGEXP_REPLACE(h.name, '^C360_', '')),
    CASE h.state WHEN 'SUCCEEDED' THEN 'succeeded' WHEN 'SKIPPED' THEN 'skipped' ELSE 'failed' END,
    COALESCE(h.query_start_time, h.scheduled_time),
    h.completed_time,
    NULL,
    NULL,
    h.error_message
  FROM TABLE(information_schema.task_history(
    scheduled_time_range_start => DATEADD('day', -2, CURRENT_TIMESTAMP())
  )) AS h
  WHERE h.graph_run_group_id = :run_group
    AND h.name NOT IN ('C360_PIPELINE_ROOT', 'C360_PIPELINE_FINALIZER');
  recorded := SQLROWCOUNT;
  INSERT INTO observability.pipeline_runs
    (run_id, env, step, status, started_at, finished_at, rows_in, rows_out, error)
  SELECT
    :run_group,
    :env,
    'pipeline',
    IFF(COUNT_IF(status = 'failed') > 0, 'failed', 'succeeded'),
    MIN(started_at),
    CURRENT_TIMESTAMP(),
    NULL,
    NULL,
    NULL
  FROM observability.pipeline_runs
  WHERE run_id = :run_group;
  RETURN recorded;
END;
$$;
