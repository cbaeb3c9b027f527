-- grain: one row per period, unit and channel (level = 'channel'), plus one per period and unit over all its responses (level = 'unit', channel null)
-- depends: int_survey_responses
--
-- Survey indicators (DESIGN §5):
--   csat  = % of `overall` answers that are 4 or 5 (top-2-box), over answered `overall`;
--   nps   = % promoters (9–10) − % detractors (0–6), over answered `nps` (passives 7–8).
-- Channel rows use the response's channel, else its interaction's; the unit row also
-- counts responses whose channel is unknown (`n_without_channel`).
with responses as (
    select * from int_survey_responses
),

-- One pass over the responses for both levels (grouping sets): the channel level keeps
-- the groups with a channel, the unit level counts every response.
grouped as (
    select
        case when grouping(channel) = 1 then 'unit' else 'channel' end as level,
        period,
        unit,
        channel,
        count(*) as n_responses,
        sum(case when channel is null then 1 else 0 end) as n_without_channel,
        count(overall) as n_overall,
        sum(case when overall >= 4 then 1 else 0 end) as n_overall_top2,
        count(nps) as n_nps,
        sum(case when nps >= 9 then 1 else 0 end) as n_promoters,
        sum(case when nps between 7 and 8 then 1 else 0 end) as n_passives,
        sum(case when nps <= 6 then 1 else 0 end) as n_detractors
    from responses
    group by grouping sets ((period, unit, channel), (period, unit))
),

counts as (
    select * from grouped
    where level = 'unit' or channel is not null
),

final as (
    select
        period,
        unit,
        channel,
        level,
        n_responses,
        n_without_channel,
        n_overall,
        n_overall_top2,
        case when n_overall > 0 then 100.0 * n_overall_top2 / n_overall end as csat,
        n_nps,
        n_promoters,
        n_passives,
        n_detractors,
        case when n_nps > 0 then 100.0 * n_promoters / n_nps end as promoters_pct,
        case when n_nps > 0 then 100.0 * n_passives / n_nps end as passives_pct,
        case when n_nps > 0 then 100.0 * n_detractors / n_nps end as detractors_pct,
        case when n_nps > 0 then 100.0 * (n_promoters - n_detractors) / n_nps end as nps
    from counts
)

select * from final
