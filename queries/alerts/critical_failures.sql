-- grain: one row per mystery-shopper checklist item failed that the channel's rubric marks critical
-- depends: stg_shopper, rubric
--
-- Every failed critical item (habeas-data script, wrong information …) raises a
-- `critical_item_failed` alert whatever the statistics say (DESIGN §6.5, §6.7).
with failed as (
    select
        s.evaluation_id,
        s.evaluated_at,
        s.local_date,
        s.unit,
        s.channel,
        s.item
    from stg_shopper as s
    inner join rubric as r
        on r.channel = s.channel
        and r.item = s.item
    where s.result = 'fail'
        and r.is_critical
),

final as (
    select * from failed
)

select * from final
