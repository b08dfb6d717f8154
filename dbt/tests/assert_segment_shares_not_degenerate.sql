-- No segment may be degenerate: with enough customers for shares to mean something,
-- each of the five segments holds between 2% and 70% of them (an absent segment fails).
-- A warning, not an error: a small or unusual portfolio should still build.
{{ config(severity='warn') }}
with

vocabulary as (

    {% for segment in ['High-Value Travelers', 'Stable Mid-Spenders', 'Budget-Conscious', 'Declining', 'New & Growing'] %}
    select '{{ segment }}' as customer_segment
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

counts as (

    select customer_segment, count(*) as customers
    from {{ ref('customer_segments') }}
    group by customer_segment

),

total as (

    select count(*) as customers from {{ ref('customer_segments') }}

)

select
    vocabulary.customer_segment,
    coalesce(counts.customers, 0) as customers,
    coalesce(counts.customers, 0) * 1.0 / total.customers as share
from vocabulary
cross join total
left join counts
    on vocabulary.customer_segment = counts.customer_segment
where total.customers >= 500
    and (coalesce(counts.customers, 0) * 1.0 / total.customers < 0.02
        or coalesce(counts.customers, 0) * 1.0 / total.customers > 0.70)
