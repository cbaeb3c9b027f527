-- grain: one row per source, channel and local date that has records
-- depends: stg_interactions, int_survey_responses, stg_shopper
--
-- Data coverage (the report's "which export is missing" chart): how many records each
-- source brought per channel and local day. A business day with no row here for a source
-- and channel that usually has records is an export that did not arrive.
-- n_records counts interactions, survey responses and shopper evaluations (not checklist
-- rows). Survey responses whose channel is unknown count under channel 'sin_canal'.
with interaction_records as (
    select 'interactions' as source, channel, local_date, period, interaction_id as record_id
    from stg_interactions
),

survey_records as (
    select 'surveys' as source, coalesce(channel, 'sin_canal') as channel, local_date, period, response_id as record_id
    from int_survey_responses
),

shopper_records as (
    select 'shopper' as source, channel, local_date, period, evaluation_id as record_id
    from stg_shopper
),

all_records as (
    select * from interaction_records
    union all
    select * from survey_records
    union all
    select * from shopper_records
),

final as (
    select
        source,
        channel,
        local_date,
        period,
        count(distinct record_id) as n_records
    from all_records
    group by source, channel, local_date, period
)

select * from final
