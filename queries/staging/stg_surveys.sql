-- grain: one row per survey response (the latest ingested version of each response_id)
-- depends: surveys
--
-- Typed survey responses with the reporting period of `submitted_at` (local date).
-- Item scores stay as given: 1–5, null for N/A or empty; `nps` 0–10.
with source as (
    select * from surveys
),

final as (
    select
        response_id,
        survey,
        submitted_at,
        local_date,
        to_char(local_date, '%Y-%m') as period,
        unit,
        channel,
        interaction_id,
        respondent_key,
        stakeholder,
        kindness,
        information_quality,
        timeliness,
        overall,
        nps,
        comment,
        habeas_data as is_habeas_data,
        batch_id,
        source_file,
        source_line
    from source
)

select * from final
