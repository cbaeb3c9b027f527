-- grain: one row per escalated interaction whose escalation is not answered yet
-- depends: interaction_facts, stg_interactions
--
-- Escalations without an answer and their due date (DESIGN §6.2): `momentos alerts` raises
-- `escalation_overdue` for those past due and those due within one business day, and
-- `momentos followup --escalations` lists them (authorised contacts only).
with facts as (
    select
        interaction_id,
        unit,
        channel,
        escalation_due_date
    from interaction_facts
    where escalation_due_date is not null
),

final as (
    select
        f.interaction_id,
        f.unit,
        f.channel,
        i.escalated_to,
        coalesce(i.escalated_at, i.received_at) as escalated_at,
        f.escalation_due_date,
        coalesce(i.is_habeas_data, false) as is_habeas_data
    from facts as f
    inner join stg_interactions as i
        on i.interaction_id = f.interaction_id
    where i.escalation_answered_at is null
)

select * from final
