-- grain: one row per binary observation: source record × attribute
-- depends: interaction_facts, int_survey_responses, stg_shopper, rubric, scoring_params
--
-- The "good / not good" observations of DESIGN §6.1, one row each, so an analyst can see
-- exactly what a score counted:
--   interactions  timeliness only; every inbound interaction whose SLA has come due
--                 (within_sla not null); good = within_sla.
--   survey        each attribute answered 1–5 (N/A and empty dropped); good = 4 or 5.
--                 Responses with no channel (their own or their interaction's) are left out.
--   shopper       per evaluation × attribute, over that attribute's rubric items of the
--                 channel with result <> 'na': weighted pass rate Σw·pass / Σw; good =
--                 rate ≥ pass_mark and no failed critical item among those items.
-- `stakeholder` is null for shopper evaluations (a mystery shopper is not a stakeholder).
with interaction_observations as (
    select
        period,
        unit,
        channel,
        stakeholder,
        'timeliness' as attribute,
        'interactions' as source,
        interaction_id as record_id,
        within_sla as is_good
    from interaction_facts
    where within_sla is not null
),

survey_items as (
    -- One row per response and attribute (the two unnests zip).
    select
        period,
        unit,
        channel,
        stakeholder,
        response_id,
        unnest(make_array('kindness', 'information_quality', 'timeliness')) as attribute,
        unnest(make_array(kindness, information_quality, timeliness)) as answer
    from int_survey_responses
    where channel is not null
),

survey_observations as (
    select
        period,
        unit,
        channel,
        stakeholder,
        attribute,
        'survey' as source,
        response_id as record_id,
        answer >= 4 as is_good
    from survey_items
    where answer is not null
),

shopper_items as (
    select
        s.evaluation_id,
        s.period,
        s.unit,
        s.channel,
        r.attribute,
        r.weight,
        r.is_critical,
        s.result = 'pass' as is_pass
    from stg_shopper as s
    inner join rubric as r on r.channel = s.channel and r.item = s.item
    where r.attribute is not null
        and s.result <> 'na'
),

shopper_evaluations as (
    select
        evaluation_id,
        period,
        unit,
        channel,
        attribute,
        sum(case when is_pass then weight else 0.0 end) / sum(weight) as pass_rate,
        bool_or(is_critical and not is_pass) as has_failed_critical
    from shopper_items
    group by evaluation_id, period, unit, channel, attribute
),

shopper_observations as (
    select
        e.period,
        e.unit,
        e.channel,
        cast(null as varchar) as stakeholder,
        e.attribute,
        'shopper' as source,
        e.evaluation_id as record_id,
        e.pass_rate >= p.pass_mark and not e.has_failed_critical as is_good
    from scoring_params as p
    cross join shopper_evaluations as e
),

final as (
    select * from interaction_observations
    union all
    select * from survey_observations
    union all
    select * from shopper_observations
)

select * from final
