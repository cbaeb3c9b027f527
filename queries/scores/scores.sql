-- grain: one row per period, unit, channel and attribute
-- depends: cell_scores
--
-- The cell scores of DESIGN §5/§6.3–§6.4 (the math lives in cell_scores.sql).
-- score, lower, upper: 0–100; se: standard error of the score; p_value: chance of a score
-- this low if the true score were at target; status: ok | watch | needs_plan |
-- insufficient_data. *_score: a contributing source's own rate (null below min_source_n,
-- so no figure under 5 observations is shown). fdr_rank / fdr_family_size: the cell's
-- place in its period's Benjamini–Hochberg family.
with cells as (
    select * from cell_scores where cut = 'unit_channel'
),

final as (
    select
        period,
        unit,
        channel,
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
