-- One row per registry user: the first time they reached each step of the journey
-- (NULL if never). Not ordered: a step's first time may precede an earlier step's.

with users as (

    select * from `terraloop_marts.dim_users`

),

events as (

    select * from `terraloop_marts.fct_events`
    where not is_orphan

),

first_step_times as (

    select
        user_id,
        min(case when event_name = 'session_start' then event_at end) as first_session_start_at,
        min(case when event_name = 'view_listing' then event_at end) as first_view_listing_at,
        min(case when event_name = 'start_listing' then event_at end) as first_start_listing_at,
        min(case when event_name = 'publish_listing' then event_at end)
            as first_publish_listing_at,
        min(case when event_name = 'complete_recycling' then event_at end)
            as first_complete_recycling_at,
    from events
    group by user_id

),

users_joined_to_steps as (

    select
        users.user_id,
        users.tier,
        users.region,
        first_step_times.first_session_start_at,
        first_step_times.first_view_listing_at,
        first_step_times.first_start_listing_at,
        first_step_times.first_publish_listing_at,
        first_step_times.first_complete_recycling_at,
    from users
    left join first_step_times
        on users.user_id = first_step_times.user_id

),

final as (

    select * from users_joined_to_steps

)

select * from final
