-- One row per clean event, joined to the user dimension on the standardised id.
-- Orphan events (user id not in the registry) are kept and flagged, never dropped.

with events as (

    select * from staging.stg_events

),

users as (

    select * from marts.dim_users

),

events_joined_to_users as (

    select
        events.event_id,
        events.user_id,
        events.event_name,
        events.event_at,
        cast(events.event_at as DATE) as event_date,
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
    from events
    left join users
        on events.user_id = users.user_id

),

final as (

    select * from events_joined_to_users

)

select * from final
