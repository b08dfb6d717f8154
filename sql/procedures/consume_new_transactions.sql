-- Body of the stream-triggered task: consume the new bronze transactions (advancing the
-- stream's offset) into OBSERVABILITY.LOAD_BATCHES, one row per Snowpipe file, before
-- the incremental dbt build runs on them.
CREATE OR REPLACE PROCEDURE C360_CONSUME_NEW_TRANSACTIONS()
RETURNS NUMBER
LANGUAGE SQL
EXECUTE AS OWNER
AS $$
BEGIN
  INSERT INTO observability.load_batches
    (source, batch_id, source_file, rows_in, rows_loaded, rows_rejected, loaded_at)
  SELECT 'transactions', _batch_id, _source_file, COUNT(*), COUNT(*), 0, MAX(_loaded_at)
  FROM bronze.raw_transactions_stream
  GROUP BY _batch_id, _source_file;
  RETURN SQLROWCOUNT;
END;
$$;
