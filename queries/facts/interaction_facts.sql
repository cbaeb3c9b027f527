-- grain: one row per interaction (latest version)
-- depends: stg_interactions, channel_sla, unit_sla, calendar_days, scoring_params
--
-- Timeliness of every interaction, exactly as DESIGN §6.2 defines it.
--
-- Business time is portable SQL over `calendar_days` (one row per hours profile and local
-- day): the position of an instant on the business clock is
--   pos(t) = open_minutes_before(day of t) + clamp(minute of day(t) − open_minute, 0, open_minutes)
-- and the business time between two instants is pos(to) − pos(from). Everything is counted
-- in whole microseconds (exact), and minutes are only formed at the end. (CASE rather than
-- least/greatest, which skip nulls: an instant outside the calendar must stay null.)
-- "The n-th business day after d" is the business day whose `business_day_seq` is
-- business_day_seq(d) + n.
--
-- "Not yet due" is judged against `scoring_params.as_of` (the scoring run's instant).
with params as (
    select
        as_of,
        as_of_local_at,
        short_abandon_seconds,
        default_escalation_sla_days,
        max_escalation_sla_days
    from scoring_params
),

interactions as (
    select
        i.interaction_id,
        i.unit,
        i.channel,
        i.stakeholder,
        i.direction,
        i.period,
        i.local_date,
        i.outcome,
        c.sla_seconds,
        c.sla_clock,
        c.hours_profile,
        cast(i.received_at as bigint) as received_us,
        cast(i.first_response_at as bigint) as first_response_us,
        cast(i.resolved_at as bigint) as resolved_us,
        cast(i.received_local_at as bigint) as received_local_us,
        cast(i.first_response_local_at as bigint) as first_response_local_us,
        cast(coalesce(i.escalated_local_at, i.received_local_at) as bigint) as escalation_base_local_us,
        cast(i.escalation_answered_local_at as date) as escalation_answered_local_date,
        -- An escalation is recorded by any of its fields or by the outcome.
        (
            i.escalated_to is not null
            or i.escalated_at is not null
            or i.escalation_answered_at is not null
            or coalesce(i.outcome = 'escalated', false)
        ) as is_escalated,
        -- N = the SLA of the unit escalated TO (default when unknown), never above the legal 15.
        least(
            coalesce(u.escalation_sla_days, p.default_escalation_sla_days),
            p.max_escalation_sla_days
        ) as escalation_sla_days,
        coalesce(
            c.channel = 'phone'
            and i.outcome = 'abandoned'
            and i.first_response_at is null
            and cast(i.resolved_at as bigint) - cast(i.received_at as bigint)
                <= p.short_abandon_seconds * 1000000,
            false
        ) as is_short_abandon
    -- The one-row params go first: a cross join buffers its left side.
    from params as p
    cross join stg_interactions as i
    inner join channel_sla as c on c.channel = i.channel
    left join unit_sla as u on u.unit = i.escalated_to
),

positioned as (
    select
        i.*,
        rd.open_minutes_before * 60000000
            + case
                when i.received_local_us % 86400000000 < coalesce(rd.open_minute, 0) * 60000000 then 0
                when i.received_local_us % 86400000000 > (coalesce(rd.open_minute, 0) + rd.open_minutes) * 60000000
                    then rd.open_minutes * 60000000
                else i.received_local_us % 86400000000 - coalesce(rd.open_minute, 0) * 60000000
            end as received_pos_us,
        fd.open_minutes_before * 60000000
            + case
                when i.first_response_local_us % 86400000000 < coalesce(fd.open_minute, 0) * 60000000 then 0
                when i.first_response_local_us % 86400000000 > (coalesce(fd.open_minute, 0) + fd.open_minutes) * 60000000
                    then fd.open_minutes * 60000000
                else i.first_response_local_us % 86400000000 - coalesce(fd.open_minute, 0) * 60000000
            end as first_response_pos_us,
        ed.business_day_seq as escalation_base_seq
    from interactions as i
    left join calendar_days as rd
        on rd.hours_profile = i.hours_profile
        and rd.day_number = i.received_local_us / 86400000000
    left join calendar_days as fd
        on fd.hours_profile = i.hours_profile
        and fd.day_number = i.first_response_local_us / 86400000000
    left join calendar_days as ed
        on ed.hours_profile = i.hours_profile
        and ed.day_number = i.escalation_base_local_us / 86400000000
),

with_due_date as (
    select
        p.*,
        case when p.is_escalated then dd.local_date end as escalation_due_date
    from positioned as p
    left join calendar_days as dd
        on dd.hours_profile = p.hours_profile
        and dd.is_business_day
        and dd.business_day_seq = p.escalation_base_seq + p.escalation_sla_days
),

as_of as (
    select
        d.hours_profile,
        cast(p.as_of as bigint) as as_of_us,
        cast(p.as_of_local_at as date) as as_of_local_date,
        d.open_minutes_before * 60000000
            + case
                when cast(p.as_of_local_at as bigint) % 86400000000 < coalesce(d.open_minute, 0) * 60000000 then 0
                when cast(p.as_of_local_at as bigint) % 86400000000 > (coalesce(d.open_minute, 0) + d.open_minutes) * 60000000
                    then d.open_minutes * 60000000
                else cast(p.as_of_local_at as bigint) % 86400000000 - coalesce(d.open_minute, 0) * 60000000
            end as as_of_pos_us
    from params as p
    cross join calendar_days as d
    where d.day_number = cast(p.as_of_local_at as bigint) / 86400000000
),

measured as (
    select
        w.*,
        a.as_of_local_date,
        w.sla_seconds * 1000000 as sla_us,
        -- Time counted against the SLA: up to the first response, or up to "as of" while
        -- there is none.
        case
            when w.sla_clock = 'wall'
                then coalesce(w.first_response_us, a.as_of_us) - w.received_us
            when coalesce(w.first_response_pos_us, a.as_of_pos_us) < w.received_pos_us then 0
            else coalesce(w.first_response_pos_us, a.as_of_pos_us) - w.received_pos_us
        end as elapsed_us,
        case
            when w.first_response_pos_us < w.received_pos_us then 0
            else w.first_response_pos_us - w.received_pos_us
        end as first_response_business_us
    from with_due_date as w
    left join as_of as a on a.hours_profile = w.hours_profile
),

judged as (
    select
        m.*,
        case
            when m.first_response_us is not null then m.elapsed_us <= m.sla_us
            when m.elapsed_us <= m.sla_us then null  -- not answered, not yet due
            else false                               -- not answered, past due
        end as is_first_response_on_time,
        case
            when not m.is_escalated then null
            when m.escalation_answered_local_date is not null
                then m.escalation_answered_local_date <= m.escalation_due_date
            when m.as_of_local_date > m.escalation_due_date then false
            else null                                -- unanswered, not yet due
        end as escalation_met
    from measured as m
),

final as (
    select
        interaction_id,
        unit,
        channel,
        stakeholder,
        direction,
        period,
        local_date,
        sla_seconds,
        sla_clock,
        cast(first_response_us - received_us as double) / 1000000.0 as first_response_seconds,
        cast(first_response_business_us as double) / 60000000.0 as first_response_business_minutes,
        -- Three-valued AND: a missed first response is false whatever the escalation; an
        -- on-time one with an escalation not yet due is null.
        case
            when direction = 'outbound' then null
            when is_short_abandon then null
            else is_first_response_on_time and (not is_escalated or escalation_met)
        end as within_sla,
        escalation_due_date,
        escalation_met,
        coalesce(outcome = 'abandoned', false) as abandoned,
        -- A judgment still waits for its due instant: a later as-of may turn a null
        -- within_sla or escalation_met into false. False rows never change again, which
        -- lets an incremental score leave their period alone.
        coalesce(first_response_us is null and elapsed_us <= sla_us, false)
            or coalesce(
                is_escalated
                and escalation_answered_local_date is null
                and as_of_local_date <= escalation_due_date,
                false
            ) as is_pending
    from judged
)

select * from final
