with events as (
    select * from {{ ref('stg_events') }}
),

users as (
    select * from {{ ref('dim_users') }}
),

events_joined_to_users as (
    select
        events.event_id,
        events.user_id,
        events.event_name,
        events.event_at,
        {{ to_date('events.event_at') }} as event_date,
        {{ date_trunc_ts('day', 'events.event_at') }} as event_day_at,
        events.weight_kg,
        users.tier,
        users.region,
        users.user_id is null as is_orphan,
        {{ datediff('day', 'users.signup_at', 'events.event_at') }} as days_since_signup
    from events
    left join users
        on events.user_id = users.user_id
)

select * from events_joined_to_users
