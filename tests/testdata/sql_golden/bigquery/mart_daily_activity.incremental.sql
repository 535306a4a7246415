declare incremental_partitions array<date>;

create temp table `mart_daily_activity__incremental` as
-- One row per day × region × tier with any activity (registry users only; orphan
-- events have no region or tier and are counted in mart_pipeline_health).
-- Incremental: only the days with fct_events rows loaded since the last build are
-- recomputed, and replace those days' rows.

with events as (

    select * from `terraloop_marts.fct_events`
    where not is_orphan
        and event_date in (
            select distinct event_date from `terraloop_marts.fct_events`
            where _loaded_at > (select coalesce(max(built._loaded_at), timestamp '0001-01-01 00:00:00+00') from `terraloop_marts.mart_daily_activity` as built)
        )

),

daily_activity as (

    select
        event_date as activity_date,
        region,
        tier,
        count(distinct user_id) as n_active_users,
        count(distinct case when event_name = 'session_start' then session_id end) as n_sessions,
        countif(event_name = 'start_listing') as n_listings_started,
        countif(event_name = 'publish_listing') as n_listings_published,
        coalesce(
            sum(case when event_name = 'publish_listing' then eco_score_kg_co2e end), 0
        ) as eco_score_kg_co2e,
        max(_loaded_at) as _loaded_at,
    from events
    group by event_date, region, tier

),

final as (

    select * from daily_activity

)

select * from final;

set incremental_partitions = (
    select array_agg(distinct `activity_date` ignore nulls) from `mart_daily_activity__incremental`
);

merge into `terraloop_marts.mart_daily_activity` as target
using `mart_daily_activity__incremental` as batch
on false
when not matched by source and target.`activity_date` in unnest(incremental_partitions) then delete
when not matched then insert (`activity_date`, `region`, `tier`, `n_active_users`, `n_sessions`, `n_listings_started`, `n_listings_published`, `eco_score_kg_co2e`, `_loaded_at`)
    values (batch.`activity_date`, batch.`region`, batch.`tier`, batch.`n_active_users`, batch.`n_sessions`, batch.`n_listings_started`, batch.`n_listings_published`, batch.`eco_score_kg_co2e`, batch.`_loaded_at`);

select
    (select count(*) from `mart_daily_activity__incremental`) as batch_rows,
    (select count(*) from `terraloop_marts.mart_daily_activity`) as n;
