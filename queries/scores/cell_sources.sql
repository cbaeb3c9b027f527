-- grain: one row per cut, cell and source: (cut, period, unit, channel, stakeholder, attribute, source)
-- depends: observations, source_weights, cell_targets, scoring_params
--
-- The counts the cell statistics of DESIGN §6.3 start from, for two cuts of the same
-- observations: `unit_channel` (stakeholder null; the `scores` table) and `stakeholder`
-- (one cell per stakeholder type; observations without one are left out; the
-- `scores_by_stakeholder` table).
--
-- n, k: the source's observations in the cell and how many were good. weight: the source's
-- weight for the attribute (null when the attribute's weights do not name it).
-- is_contributing: named by the weights and n ≥ min_source_n. target: the cell's target.
-- `cell_statistics` (Rust, exact binomial tails) reads this view; `cell_scores` joins both.
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

final as (
    select
        s.cut,
        s.period,
        s.unit,
        s.channel,
        s.stakeholder,
        s.attribute,
        s.source,
        s.n,
        s.k,
        w.weight,
        w.weight is not null and s.n >= p.min_source_n as is_contributing,
        coalesce(t.target, p.default_target) as target
    from params as p
    cross join grouped as s
    left join source_weights as w on w.attribute = s.attribute and w.source = s.source
    left join cell_targets as t
        on t.unit = s.unit
        and t.channel = s.channel
        and t.attribute = s.attribute
    where s.cut = 'unit_channel' or s.stakeholder is not null
)

select * from final
