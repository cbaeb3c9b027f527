-- grain: one row per channel, unit, local date and local hour with at least one inbound interaction
-- depends: stg_interactions, scoring_params
--
-- Hourly inbound volume and phone abandonment for the technical alerts (DESIGN §6.7).
-- Hours without any interaction have no row: `momentos alerts` fills them with zeros over
-- the channel's open hours. Short phone abandons (hang-up within `short_abandon_seconds`)
-- are not judged, as in `interaction_facts`. Outbound contacts are not volume.
with params as (
    select short_abandon_seconds from scoring_params
),

inbound as (
    select
        i.channel,
        i.unit,
        i.local_date,
        cast(date_part('hour', i.received_local_at) as int) as local_hour,
        coalesce(i.outcome = 'abandoned' and i.first_response_at is null, false) as is_abandoned,
        coalesce(
            i.outcome = 'abandoned'
            and i.first_response_at is null
            and cast(i.resolved_at as bigint) - cast(i.received_at as bigint)
                <= p.short_abandon_seconds * 1000000,
            false
        ) as is_short_abandon
    -- The one-row params go first: a cross join buffers its left side.
    from params as p
    cross join stg_interactions as i
    where coalesce(i.direction, 'inbound') = 'inbound'
),

final as (
    select
        channel,
        unit,
        local_date,
        local_hour,
        count(*) as n_inbound,
        sum(case when channel = 'phone' and not is_short_abandon then 1 else 0 end) as n_calls_judged,
        sum(case when channel = 'phone' and is_abandoned and not is_short_abandon then 1 else 0 end) as n_abandoned
    from inbound
    group by channel, unit, local_date, local_hour
)

select * from final
