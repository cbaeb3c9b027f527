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
-- Evidence is counted per cell, step and source first (the interactions in one pass, a
-- column per flag, then a row per flag), so the steps are joined to counts, not to rows.
with steps as (
    select channel, item as step, is_critical
    from rubric
    where is_protocol_step
),

shopper_counts as (
    select
        period,
        unit,
        channel,
        item as step,
        'shopper' as source,
        count(*) as n,
        sum(case when result = 'pass' then 1 else 0 end) as n_compliant
    from stg_shopper
    where result <> 'na'
    group by period, unit, channel, item
),

-- By day first: a day is a plain date, while a row's period is text formatted from its
-- date, which costs more per row than the counting (periods are formed per day instead).
interaction_days as (
    select
        local_date,
        unit,
        channel,
        count(protocol_greeting) as n_greeting,
        sum(case when protocol_greeting then 1 else 0 end) as k_greeting,
        count(protocol_need_identified) as n_need_identified,
        sum(case when protocol_need_identified then 1 else 0 end) as k_need_identified,
        count(protocol_habeas_script) as n_habeas_script,
        sum(case when protocol_habeas_script then 1 else 0 end) as k_habeas_script,
        count(protocol_request_processed) as n_request_processed,
        sum(case when protocol_request_processed then 1 else 0 end) as k_request_processed
    from stg_interactions
    group by local_date, unit, channel
),

interaction_cells as (
    select
        to_char(local_date, '%Y-%m') as period,
        unit,
        channel,
        sum(n_greeting) as n_greeting,
        sum(k_greeting) as k_greeting,
        sum(n_need_identified) as n_need_identified,
        sum(k_need_identified) as k_need_identified,
        sum(n_habeas_script) as n_habeas_script,
        sum(k_habeas_script) as k_habeas_script,
        sum(n_request_processed) as n_request_processed,
        sum(k_request_processed) as k_request_processed
    from interaction_days
    group by to_char(local_date, '%Y-%m'), unit, channel
),

interaction_flags as (
    -- One row per cell and flag (the unnests zip).
    select
        period,
        unit,
        channel,
        unnest(make_array('greeting', 'need_identified', 'habeas_script', 'request_processed')) as step,
        unnest(make_array(n_greeting, n_need_identified, n_habeas_script, n_request_processed)) as n,
        unnest(make_array(k_greeting, k_need_identified, k_habeas_script, k_request_processed)) as n_compliant
    from interaction_cells
),

interaction_counts as (
    select
        period,
        unit,
        channel,
        step,
        'interactions' as source,
        n,
        n_compliant
    from interaction_flags
    where n > 0
),

all_counts as (
    select * from shopper_counts
    union all
    select * from interaction_counts
),

evidence as (
    select c.*, st.is_critical
    from all_counts as c
    inner join steps as st on st.channel = c.channel and st.step = c.step
),

final as (
    select
        period,
        unit,
        channel,
        step,
        bool_or(is_critical) as is_critical,
        sum(n) as n,
        sum(n_compliant) as n_compliant,
        100.0 * sum(n_compliant) / sum(n) as compliance,
        sum(case when source = 'shopper' then n else 0 end) as n_shopper,
        sum(case when source = 'interactions' then n else 0 end) as n_interactions,
        100.0 * sum(case when source = 'shopper' then n_compliant else 0 end)
            / nullif(sum(case when source = 'shopper' then n else 0 end), 0) as shopper_compliance,
        100.0 * sum(case when source = 'interactions' then n_compliant else 0 end)
            / nullif(sum(case when source = 'interactions' then n else 0 end), 0) as interactions_compliance
    from evidence
    group by period, unit, channel, step
)

select * from final
