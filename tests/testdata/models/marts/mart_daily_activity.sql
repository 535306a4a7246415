{{ config(materialized='table') }}
with events as (
    select * from {{ ref('fct_events') }}
),

daily as (
    select
        event_date as activity_date,
        coalesce(region, 'unknown') as region,
        count(distinct user_id) as n_active_users,
        {{ count_if("event_name = 'session_start'") }} as n_sessions,
        {{ string_agg('distinct event_name', ', ') }} as event_names
    from events
    group by 1, 2
),

final as (
    select
        {{ hash_md5("concat(cast(activity_date as " ~ sql_type('varchar') ~ "), '|', region)") }} as activity_key,
        *,
        {{ current_ts() }} as built_at
    from daily
)

select * from final
