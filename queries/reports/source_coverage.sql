-- grain: one row per source, channel and local date that has records
-- depends: interactions, surveys, shopper
--
-- Data coverage (the report's "which export is missing" chart): how many records each
-- source brought per channel and local day. A business day with no row here for a source
-- and channel that usually has records is an export that did not arrive.
-- n_records counts interactions, survey responses and shopper evaluations (not checklist
-- rows). Survey responses count under the channel the export gave them ('sin_canal' when
-- empty): this is about what arrived, not how it is scored.
-- (Interaction and response ids are unique in their tables; shopper rows are per item.)
with interaction_counts as (
    select 'interactions' as source, channel, local_date, count(*) as n_records
    from interactions
    group by channel, local_date
),

survey_counts as (
    select 'surveys' as source, coalesce(channel, 'sin_canal') as channel, local_date, count(*) as n_records
    from surveys
    group by coalesce(channel, 'sin_canal'), local_date
),

shopper_counts as (
    select 'shopper' as source, channel, local_date, count(distinct evaluation_id) as n_records
    from shopper
    group by channel, local_date
),

all_counts as (
    select * from interaction_counts
    union all
    select * from survey_counts
    union all
    select * from shopper_counts
),

final as (
    select
        source,
        channel,
        local_date,
        to_char(local_date, '%Y-%m') as period,
        n_records
    from all_counts
)

select * from final
