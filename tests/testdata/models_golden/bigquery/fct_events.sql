with events as (
    select * from `terraloop_staging.stg_events`
),

users as (
    select * from `terraloop_marts.dim_users`
),

events_joined_to_users as (
    select
        events.event_id,
        events.user_id,
        events.event_name,
        events.event_at,
        date(events.event_at) as event_date,
        timestamp_trunc(events.event_at, day) as event_day_at,
        events.weight_kg,
        users.tier,
        users.region,
        users.user_id is null as is_orphan,
        datetime_diff(cast(events.event_at as DATETIME), cast(users.signup_at as DATETIME), day) as days_since_signup
    from events
    left join users
        on events.user_id = users.user_id
)

select * from events_joined_to_users
