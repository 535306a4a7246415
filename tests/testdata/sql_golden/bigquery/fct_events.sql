-- One row per clean event, joined to the user dimension on the standardised id.
-- Orphan events (user id not in the registry) are kept and flagged, never dropped.
-- _loaded_at is when the newest input of a row was loaded: its event's delivery or the
-- user registry it was joined to. Incremental: events loaded since the last build; when a
-- new users.csv was loaded since, every event is joined again (tiers, regions and orphan
-- flags may all have changed).

with events as (

    select * from `terraloop_staging.stg_events`

),

users as (

    select * from `terraloop_marts.dim_users`

),

registry as (

    select max(_loaded_at) as registry_loaded_at from `terraloop_staging.stg_users`

),

events_to_build as (

    select
        events.*,
        registry.registry_loaded_at,
    from events
    cross join registry

),

events_joined_to_users as (

    select
        events.event_id,
        events.user_id,
        events.event_name,
        events.event_at,
        date(events.event_at) as event_date,
        events.session_id,
        events.platform,
        events.listing_id,
        events.category,
        events.weight_kg,
        events.eco_score_kg_co2e,
        users.tier,
        users.region,
        users.signup_week,
        users.user_id is null as is_orphan,
        case
            when events.registry_loaded_at > events._loaded_at then events.registry_loaded_at
            else events._loaded_at
        end as _loaded_at,
    from events_to_build as events
    left join users
        on events.user_id = users.user_id

),

final as (

    select * from events_joined_to_users

)

select * from final
