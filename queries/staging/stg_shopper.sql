-- grain: one row per mystery-shopper evaluation and checklist item
-- depends: shopper
--
-- Typed checklist rows with the reporting period of `evaluated_at` (local date).
-- `result` is pass, fail or na; items are rubric codes of the channel (checked on ingest).
with source as (
    select * from shopper
),

final as (
    select
        evaluation_id,
        evaluated_at,
        local_date,
        to_char(local_date, '%Y-%m') as period,
        unit,
        channel,
        shopper_id,
        scenario,
        item,
        result,
        wait_seconds,
        notes,
        batch_id,
        source_file,
        source_line
    from source
)

select * from final
