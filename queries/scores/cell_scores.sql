-- grain: one row per cut and cell: (cut, period, unit, channel, stakeholder, attribute)
-- depends: observations, source_weights, cell_targets, scoring_params
-- functions: normal_cdf
--
-- The cell score of DESIGN §6.3 and the status of §6.4, for two cuts of the same
-- observations: `unit_channel` (stakeholder null; the `scores` table) and `stakeholder`
-- (one cell per stakeholder type; observations without one are left out; the
-- `scores_by_stakeholder` table).
--
-- Per source s that the attribute's weights name and that has n_s ≥ min_source_n:
--   p_s = k_s / n_s;  p̃_s = (k_s + 2) / (n_s + 4);  var_s = p̃_s (1 − p̃_s) / (n_s + 4)
--   score = 100 · Σ w_s p_s / Σ w_s;  se = 100 · √(Σ w_s² var_s) / Σ w_s
--   (the same as Σ v_s p_s and √(Σ v_s² var_s) with v_s = w_s / Σ w)
--   lower, upper = score ∓ z · se clipped to [0, 100], z = 1.6449 (one-sided 95 %)
--   p_value = Φ((score − target) / se)
-- se = 0 cannot happen when a source contributes: p̃_s lies strictly between 0 and 1, so
-- var_s > 0 even when every observation is good (or bad). The guard below (p = 0 below
-- target, 1 at or above) only keeps the query total.
-- Score, bounds and p-value are computed for every cell with a contributing source, also
-- when the cell is insufficient_data; they are null when no source contributes.
-- Benjamini–Hochberg runs per cut and period over the cells that are not
-- insufficient_data: rank the p-values ascending (ties in any order: it cannot change
-- i*), i* = the largest rank i with p(i) ≤ i·q/m; needs_plan = rank ≤ i* and p < alpha.
with params as (
    select * from scoring_params
),

-- One pass over the observations at the finest grain; both cuts add up those few
-- thousand groups (grouping sets), rather than each observation once per cut. The
-- stakeholder cut leaves out observations without a stakeholder.
observed as (
    select
        period,
        unit,
        channel,
        stakeholder,
        attribute,
        source,
        count(*) as n,
        sum(case when is_good then 1 else 0 end) as k
    from observations
    group by period, unit, channel, stakeholder, attribute, source
),

grouped as (
    select
        case when grouping(stakeholder) = 1 then 'unit_channel' else 'stakeholder' end as cut,
        period,
        unit,
        channel,
        stakeholder,
        attribute,
        source,
        sum(n) as n,
        sum(k) as k
    from observed
    group by grouping sets (
        (period, unit, channel, attribute, source),
        (period, unit, channel, stakeholder, attribute, source)
    )
),

cell_sources as (
    select * from grouped
    where cut = 'unit_channel' or stakeholder is not null
),

weighted as (
    select
        s.*,
        w.weight,
        w.weight is not null and s.n >= p.min_source_n as is_contributing,
        cast(s.k as double) / cast(s.n as double) as p_raw,
        (cast(s.k as double) + 2.0) / (cast(s.n as double) + 4.0) as p_adjusted
    from params as p
    cross join cell_sources as s
    left join source_weights as w on w.attribute = s.attribute and w.source = s.source
),

cells as (
    select
        cut,
        period,
        unit,
        channel,
        stakeholder,
        attribute,
        sum(case when source = 'interactions' then n else 0 end) as n_interactions,
        sum(case when source = 'survey' then n else 0 end) as n_surveys,
        sum(case when source = 'shopper' then n else 0 end) as n_shopper,
        sum(case when is_contributing then n else 0 end) as n_total,
        sum(case when is_contributing then 1 else 0 end) as n_sources,
        sum(case when is_contributing then weight end) as weight_sum,
        sum(case when is_contributing then weight * p_raw end) as weighted_p_sum,
        sum(
            case
                when is_contributing
                    then weight * weight * p_adjusted * (1.0 - p_adjusted) / (cast(n as double) + 4.0)
            end
        ) as weighted_var_sum,
        max(case when is_contributing and source = 'interactions' then 100.0 * p_raw end) as interactions_score,
        max(case when is_contributing and source = 'survey' then 100.0 * p_raw end) as survey_score,
        max(case when is_contributing and source = 'shopper' then 100.0 * p_raw end) as shopper_score
    from weighted
    group by cut, period, unit, channel, stakeholder, attribute
),

scored as (
    select
        c.*,
        coalesce(t.target, p.default_target) as target,
        case when c.n_sources > 0 then 100.0 * c.weighted_p_sum / c.weight_sum end as score,
        case when c.n_sources > 0 then 100.0 * sqrt(c.weighted_var_sum) / c.weight_sum end as se,
        c.n_sources = 0 or c.n_total < p.min_n as is_insufficient
    from params as p
    cross join cells as c
    left join cell_targets as t
        on t.unit = c.unit
        and t.channel = c.channel
        and t.attribute = c.attribute
),

bounded as (
    select
        s.*,
        case
            when s.score is not null
                then least(greatest(s.score - p.z_one_sided * s.se, 0.0), 100.0)
        end as lower,
        case
            when s.score is not null
                then least(greatest(s.score + p.z_one_sided * s.se, 0.0), 100.0)
        end as upper,
        case
            when s.score is null then null
            when s.se > 0.0 then normal_cdf((s.score - s.target) / s.se)
            when s.score < s.target then 0.0
            else 1.0
        end as p_value
    from params as p
    cross join scored as s
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
