-- One row per stage × outcome: where every raw event line went (kept, duplicate,
-- quarantined with its reason, rejected at load with its reason). The rows of a stage
-- add up to the lines delivered.

with rejected as (

    select * from raw.events_rejected

),

base_events as (

    select * from staging.base_events

),

fct_events as (

    select * from marts.fct_events

),

outcomes as (

    select 'load' as stage, 'rejected' as outcome, reason, count(*) as n_rows
    from rejected
    group by reason

    union all

    select 'staging' as stage, 'duplicate' as outcome, 'duplicate delivery' as reason,
        count(*) as n_rows
    from base_events
    where is_duplicate
    group by 1, 2, 3

    union all

    select 'staging' as stage, 'quarantined' as outcome, quarantine_reason as reason,
        count(*) as n_rows
    from base_events
    where not is_duplicate and quarantine_reason is not null
    group by quarantine_reason

    union all

    select 'marts' as stage, 'kept' as outcome,
        case when is_orphan then 'orphan user id' else 'registry user' end as reason,
        count(*) as n_rows
    from fct_events
    group by 1, 2, 3

),

final as (

    select stage, outcome, reason, n_rows from outcomes

)

select * from final
