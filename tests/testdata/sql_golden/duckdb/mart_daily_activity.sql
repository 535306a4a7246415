-- One row per day × region × tier with any activity (registry users only; orphan
-- events have no region or tier and are counted in mart_pipeline_health).
-- Incremental: only the days with fct_events rows loaded since the last build are
-- recomputed, and replace those days' rows.

with events as (

    select * from marts.fct_events
    where not is_orphan

),

daily_activity as (

    select
        event_date as activity_date,
        region,
        tier,
        count(distinct user_id) as n_active_users,
        count(distinct case when event_name = 'session_start' then session_id end) as n_sessions,
        count(case when event_name = 'start_listing' then 1 end) as n_listings_started,
        count(case when event_name = 'publish_listing' then 1 end) as n_listings_published,
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

select * from final
