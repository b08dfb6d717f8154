-- Re-attach the PII masking policies to silver/gold tables after dbt rebuilt them.
-- dbt replaces tables on each run and a replaced table loses its column policies, so
-- every dbt task of the pipeline DAG calls this right after EXECUTE DBT PROJECT.
-- Identifiers come from INFORMATION_SCHEMA of the task's own database, never from input.
CREATE OR REPLACE PROCEDURE C360_APPLY_PII_MASKING()
RETURNS NUMBER
LANGUAGE SQL
EXECUTE AS OWNER
AS $$
DECLARE
  applied NUMBER DEFAULT 0;
  pii_columns CURSOR FOR
    SELECT c.table_catalog, c.table_schema, c.table_name, c.column_name
    FROM information_schema.columns AS c
    JOIN information_schema.tables AS t
      ON t.table_catalog = c.table_catalog
     AND t.table_schema = c.table_schema
     AND t.table_name = c.table_name
    WHERE c.table_schema IN ('SILVER', 'GOLD')
      AND t.table_type = 'BASE TABLE'
      AND (
        (c.column_name IN ('EMAIL', 'PHONE') AND c.data_type = 'TEXT')
        OR (c.column_name = 'DATE_OF_BIRTH' AND c.data_type = 'DATE')
      );
BEGIN
  FOR pii IN pii_columns DO
    EXECUTE IMMEDIATE 'ALTER TABLE "' || pii.table_catalog || '"."' || pii.table_schema || '"."'
      || pii.table_name || '" MODIFY COLUMN "' || pii.column_name
      || '" SET MASKING POLICY "' || pii.table_catalog || '"."PLATFORM"."MASK_' || pii.column_name
      || '" FORCE';
    applied := applied + 1;
  END FOR;
  RETURN applied;
END;
$$;
