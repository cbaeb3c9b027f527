-- grain: one row per survey response
-- depends: stg_surveys, stg_interactions
--
-- Survey responses with the channel and stakeholder they are counted under: their own,
-- else those of the interaction they evaluate (`interaction_id`). A response whose channel
-- stays unknown is left out of channel cells (DESIGN §6.3) but counts in its unit's
-- survey_kpis.
with surveys as (
    select * from stg_surveys
),

linked as (
    select
        interaction_id,
        channel,
        stakeholder
    from stg_interactions
),

final as (
    select
        s.response_id,
        s.survey,
        s.submitted_at,
        s.local_date,
        s.period,
        s.unit,
        coalesce(s.channel, i.channel) as channel,
        case
            when s.channel is not null then 'survey'
            when i.channel is not null then 'interaction'
        end as channel_from,
        coalesce(s.stakeholder, i.stakeholder) as stakeholder,
        s.interaction_id,
        s.kindness,
        s.information_quality,
        s.timeliness,
        s.overall,
        s.nps
    from surveys as s
    left join linked as i on i.interaction_id = s.interaction_id
)

select * from final
