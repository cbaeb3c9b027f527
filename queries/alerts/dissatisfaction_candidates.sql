-- grain: one row per survey response or interaction that may be a dissatisfied signal
-- depends: stg_surveys, interactions
--
-- Candidates for the reputational alerts (DESIGN §6.7): survey responses with `overall` ≤ 2
-- or a comment, and interactions with notes, on any channel. `momentos alerts` keeps the
-- low overall scores and the texts that carry a negative theme of the catalog (the theme
-- lexicon is matched without accents in Rust, as the plans' cause analysis does) and
-- counts them per unit and local day. Texts were redacted on ingest (§7).
with surveys as (
    select
        'survey' as source,
        response_id as record_id,
        unit,
        channel,
        local_date,
        coalesce(overall <= 2, false) as is_low_overall,
        comment as text
    from stg_surveys
    where overall <= 2 or comment is not null
),

noted as (
    select
        'interaction' as source,
        interaction_id as record_id,
        unit,
        channel,
        local_date,
        false as is_low_overall,
        notes as text
    from interactions
    where notes is not null
),

final as (
    select * from surveys
    union all
    select * from noted
)

select * from final
