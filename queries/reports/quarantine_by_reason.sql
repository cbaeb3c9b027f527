-- description: Rejected rows of one input by reason, with an example line to look at
-- grain: one row per source file and reason
-- depends: quarantine
-- param: source text in (interactions, surveys, shopper) = interactions -- which input
with rejected as (
    select source_file, reason_code, source_line, reason
    from quarantine
    where source = $source
),

final as (
    select
        source_file,
        reason_code,
        count(*) as n_rows,
        min(source_line) as first_line,
        min(reason) as example_reason
    from rejected
    group by source_file, reason_code
    order by n_rows desc, source_file, reason_code
)

select * from final
