-- grain: one row per interaction (the latest ingested version of each interaction_id)
-- depends: interactions
--
-- Typed interactions with local (America/Bogota, from the catalog) wall-clock times and the
-- reporting period. `{{time_zone}}` is replaced by the catalog's `calendar.time_zone` when
-- the view is registered. Local times stay in microseconds (`at time zone` would turn them
-- into nanoseconds). Re-sent ids were already replaced on ingest (DESIGN §4), so the
-- table holds one row per id.
with source as (
    select * from interactions
),

final as (
    select
        interaction_id,
        channel,
        unit,
        direction,
        stakeholder,
        outcome,
        touchpoint,
        agent_id,
        topic,
        escalated_to,
        received_at,
        first_response_at,
        resolved_at,
        escalated_at,
        escalation_answered_at,
        to_local_time(arrow_cast(received_at, 'Timestamp(Microsecond, Some("{{time_zone}}"))')) as received_local_at,
        to_local_time(arrow_cast(first_response_at, 'Timestamp(Microsecond, Some("{{time_zone}}"))')) as first_response_local_at,
        to_local_time(arrow_cast(resolved_at, 'Timestamp(Microsecond, Some("{{time_zone}}"))')) as resolved_local_at,
        to_local_time(arrow_cast(escalated_at, 'Timestamp(Microsecond, Some("{{time_zone}}"))')) as escalated_local_at,
        to_local_time(arrow_cast(escalation_answered_at, 'Timestamp(Microsecond, Some("{{time_zone}}"))')) as escalation_answered_local_at,
        local_date,
        to_char(local_date, '%Y-%m') as period,
        habeas_data as is_habeas_data,
        protocol_greeting,
        protocol_need_identified,
        protocol_habeas_script,
        protocol_request_processed,
        batch_id,
        source_file,
        source_line
    from source
)

select * from final
