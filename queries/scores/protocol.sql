-- grain: one row per period, unit, channel and protocol step
-- depends: stg_shopper, stg_interactions, rubric
--
-- Protocol compliance (DESIGN §6.5). The steps of a channel's protocol are its rubric items
-- marked `protocol_step` in the catalog. Evidence:
--   shopper       every checklist row of such an item with result pass or fail (na dropped);
--   interactions  the protocol_* flags the source system recorded (greeting,
--                 need_identified, habeas_script, request_processed), for the steps that
--                 are in that channel's protocol; empty flags are not evidence.
-- compliance = 100 · compliant / n, overall and per source.
with steps as (
    select channel, item as step, is_critical
    from rubric
    where is_protocol_step
),

shopper_evidence as (
    select
        s.period,
        s.unit,
        s.channel,
        s.item as step,
        'shopper' as source,
        s.result = 'pass' as is_compliant
    from stg_shopper as s
    where s.result <> 'na'
),

interaction_flags as (
    -- One row per interaction and flag (the two unnests zip).
    select
        period,
        unit,
        channel,
        unnest(make_array('greeting', 'need_identified', 'habeas_script', 'request_processed')) as step,
        unnest(make_array(
            protocol_greeting, protocol_need_identified, protocol_habeas_script, protocol_request_processed
        )) as flag
    from stg_interactions
),

interaction_evidence as (
    select
        period,
        unit,
        channel,
        step,
        'interactions' as source,
        flag as is_compliant
    from interaction_flags
    where flag is not null
),

all_evidence as (
    select * from shopper_evidence
    union all
    select * from interaction_evidence
),

evidence as (
    select e.*, st.is_critical
    from all_evidence as e
    inner join steps as st on st.channel = e.channel and st.step = e.step
),

final as (
    select
        period,
        unit,
        channel,
        step,
        bool_or(is_critical) as is_critical,
        count(*) as n,
        sum(case when is_compliant then 1 else 0 end) as n_compliant,
        100.0 * sum(case when is_compliant then 1 else 0 end) / count(*) as compliance,
        sum(case when source = 'shopper' then 1 else 0 end) as n_shopper,
        sum(case when source = 'interactions' then 1 else 0 end) as n_interactions,
        100.0 * sum(case when source = 'shopper' and is_compliant then 1 else 0 end)
            / nullif(sum(case when source = 'shopper' then 1 else 0 end), 0) as shopper_compliance,
        100.0 * sum(case when source = 'interactions' and is_compliant then 1 else 0 end)
            / nullif(sum(case when source = 'interactions' then 1 else 0 end), 0) as interactions_compliance
    from evidence
    group by period, unit, channel, step
)

select * from final
