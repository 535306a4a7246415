with events as (
    select * from `terraloop_marts.fct_events`
),

daily as (
    select
        event_date as activity_date,
        coalesce(region, 'unknown') as region,
        count(distinct user_id) as n_active_users,
        countif(event_name = 'session_start') as n_sessions,
        string_agg(distinct event_name, ', ') as event_names
    from events
    group by 1, 2
),

final as (
    select
        to_hex(md5(cast(concat(cast(activity_date as STRING), '|', region) as STRING))) as activity_key,
        *,
        current_timestamp() as built_at
    from daily
)

select * from final
