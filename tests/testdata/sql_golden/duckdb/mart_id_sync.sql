-- One row: how many clean event rows match the user registry by id before and after
-- standardisation with trim(upper()). Orphans are the rows that match neither way.

with events as (

    select * from staging.stg_events

),

users as (

    select * from staging.stg_users

),

events_matched as (

    select
        events.event_id,
        raw_match.user_id is not null as matches_before,
        clean_match.user_id is not null as matches_after,
    from events
    left join users as raw_match
        on events.user_id_raw = raw_match.user_id
    left join users as clean_match
        on events.user_id = clean_match.user_id

),

id_sync as (

    select
        count(*) as n_events,
        count(case when matches_before then 1 end) as n_matched_before,
        count(case when matches_after then 1 end) as n_matched_after,
        count(case when not matches_after then 1 end) as n_orphan_events,
    from events_matched

),

final as (

    select
        n_events,
        n_matched_before,
        n_matched_after,
        n_orphan_events,
        round(100.0 * n_matched_before / nullif(n_events, 0), 2) as match_before_pct,
        round(100.0 * n_matched_after / nullif(n_events, 0), 2) as match_after_pct,
        round(
            100.0 * n_matched_after / nullif(n_events - n_orphan_events, 0), 2
        ) as match_after_non_orphan_pct,
    from id_sync

)

select * from final
