-- grain: one row per period, unit, channel, stakeholder and attribute
-- depends: cell_scores
--
-- The scores of `scores` cut by stakeholder type (PR-ME-002 activity 3): the same method,
-- with its own Benjamini–Hochberg family per period. Observations without a stakeholder
-- are left out, and mystery-shopper evaluations have none, so these cells are scored from
-- interactions and surveys only (weights renormalised over them).
with cells as (
    select * from cell_scores where cut = 'stakeholder'
),

final as (
    select
        period,
        unit,
        channel,
        stakeholder,
        attribute,
        score,
        lower,
        upper,
        n_interactions,
        n_surveys,
        n_shopper,
        n_total,
        target,
        p_value,
        status,
        se,
        interactions_score,
        survey_score,
        shopper_score,
        fdr_rank,
        fdr_family_size
    from cells
)

select * from final
