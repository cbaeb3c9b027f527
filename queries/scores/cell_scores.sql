-- grain: one row per cut and cell: (cut, period, unit, channel, stakeholder, attribute)
-- depends: cell_sources, cell_statistics, scoring_params
--
-- The cell score of DESIGN §6.3 and the status of §6.4, for the two cuts of
-- `cell_sources`: `unit_channel` (the `scores` table) and `stakeholder` (the
-- `scores_by_stakeholder` table).
--
-- Per source s that the attribute's weights name and that has n_s ≥ min_source_n
-- (a contributing source), with v_s = w_s / Σ w:
--   score = 100 · Σ v_s k_s / n_s (the statistic S = score / 100)
--   p_value = P(S ≤ observed) if every k_s were Binomial(n_s, target / 100), exactly
--   upper = the smallest level whose p-value is ≤ 0.05; lower = the largest level at which
--   a score this high has probability ≤ 0.05: one-sided 95 % bounds, together a 90 %
--   confidence interval (Clopper–Pearson for one source)
--   se = 100 · √(Σ v_s² p̃_s (1 − p̃_s) / (n_s + 4)), p̃_s = (k_s + 2) / (n_s + 4): informational
-- These exact tails are computed in Rust on the aggregated cells (`cell_statistics`,
-- src/score/exact.rs); everything else is here.
-- Score, bounds and p-value exist for every cell with a contributing source, also when
-- the cell is insufficient_data; they are null when no source contributes.
-- Benjamini–Hochberg runs per cut and period over the cells that are not
-- insufficient_data: rank the p-values ascending (ties in any order: it cannot change
-- i*), i* = the largest rank i with p(i) ≤ i·q/m; needs_plan = rank ≤ i* and p < alpha.
with params as (
    select * from scoring_params
),

cells as (
    select
        cut,
        period,
        unit,
        channel,
        stakeholder,
        attribute,
        max(target) as target,
        sum(case when source = 'interactions' then n else 0 end) as n_interactions,
        sum(case when source = 'survey' then n else 0 end) as n_surveys,
        sum(case when source = 'shopper' then n else 0 end) as n_shopper,
        sum(case when is_contributing then n else 0 end) as n_total,
        sum(case when is_contributing then 1 else 0 end) as n_sources,
        max(
            case
                when is_contributing and source = 'interactions'
                    then 100.0 * cast(k as double) / cast(n as double)
            end
        ) as interactions_score,
        max(
            case
                when is_contributing and source = 'survey'
                    then 100.0 * cast(k as double) / cast(n as double)
            end
        ) as survey_score,
        max(
            case
                when is_contributing and source = 'shopper'
                    then 100.0 * cast(k as double) / cast(n as double)
            end
        ) as shopper_score
    from cell_sources
    group by cut, period, unit, channel, stakeholder, attribute
),

-- The stakeholder key is null in the unit_channel cut: compare it as '' on both sides.
bounded as (
    select
        c.*,
        s.score,
        s.se,
        s.lower,
        s.upper,
        s.p_value,
        c.n_sources = 0 or c.n_total < p.min_n as is_insufficient
    from params as p
    cross join cells as c
    left join cell_statistics as s
        on s.cut = c.cut
        and s.period = c.period
        and s.unit = c.unit
        and s.channel = c.channel
        and coalesce(s.stakeholder, '') = coalesce(c.stakeholder, '')
        and s.attribute = c.attribute
),

-- The window partitions keep insufficient_data cells out of the BH families.
ranked as (
    select
        b.*,
        row_number() over (
            partition by b.cut, b.period, b.is_insufficient
            order by b.p_value, b.unit, b.channel, b.stakeholder, b.attribute
        ) as p_rank,
        count(*) over (partition by b.cut, b.period, b.is_insufficient) as family_size
    from bounded as b
),

with_cutoff as (
    select
        r.*,
        max(
            case
                when r.p_value <= cast(r.p_rank as double) * p.fdr_q / cast(r.family_size as double)
                    then r.p_rank
            end
        ) over (partition by r.cut, r.period, r.is_insufficient) as bh_max_rank,
        p.alpha
    from params as p
    cross join ranked as r
),

final as (
    select
        cut,
        period,
        unit,
        channel,
        stakeholder,
        attribute,
        score,
        lower,
        upper,
        se,
        target,
        p_value,
        case
            when is_insufficient then 'insufficient_data'
            when bh_max_rank is not null and p_rank <= bh_max_rank and p_value < alpha
                then 'needs_plan'
            when score < target then 'watch'
            else 'ok'
        end as status,
        n_interactions,
        n_surveys,
        n_shopper,
        n_total,
        interactions_score,
        survey_score,
        shopper_score,
        case when not is_insufficient then p_rank end as fdr_rank,
        case when not is_insufficient then family_size end as fdr_family_size
    from with_cutoff
)

select * from final
