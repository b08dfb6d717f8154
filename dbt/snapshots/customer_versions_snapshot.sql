{% snapshot customer_versions_snapshot %}

{{
    config(
        unique_key='version_id',
        strategy='check',
        check_cols=['card_type', 'credit_limit'],
        hard_deletes='invalidate',
    )
}}

-- Each data-time version (customer_id, version_valid_from) is one snapshot record; the
-- snapshot keeps the history of versions as the warehouse learned them (and records a
-- restated card_type/credit_limit of an existing version). dim_customer takes data-time
-- validity from version_valid_from, not from dbt_valid_from (wall clock).
select * from {{ ref('int_customer_versions_deduplicated') }}

{% endsnapshot %}
