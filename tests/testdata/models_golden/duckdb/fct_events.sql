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
        date_trunc('day', events.event_at) as event_day_at,
        events.weight_kg,
        users.tier,
        users.region,
        users.user_id is null as is_orphan,
        date_diff('day', users.signup_at, events.event_at) as days_since_signup
    from events
    left join users
        on events.user_id = users.user_id
)

select * from events_joined_to_users
