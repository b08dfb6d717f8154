-- One row per transaction: a transaction re-delivered in a later batch keeps its latest version.
select *
from {{ ref('base_bronze__transactions') }}
{{ keep_latest_per_key('transaction_id', 'loaded_at desc, batch_id desc') }}
